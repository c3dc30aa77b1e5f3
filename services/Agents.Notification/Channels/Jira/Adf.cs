using System.Text.Json.Nodes;

namespace Agents.Notification.Channels.Jira;

/// <summary>
/// Atlassian Document Format built only from paragraphs of plain text nodes, so alert text can never become markup,
/// a mention or a link (ADF has no wiki markup: <c>*bold*</c>, <c>[~user]</c> and <c>{code}</c> stay literal). The
/// only links are the incident, trace and runbook URLs, as link marks.
/// </summary>
internal static class Adf
{
    /// <summary>The message as a document (<c>type doc</c>, <c>version 1</c>), its text cut to <paramref name="budget"/> characters.</summary>
    public static JsonObject Document(ChannelMessage message, bool includeTitle, int budget)
    {
        var lines = new List<string>();
        if (includeTitle)
        {
            lines.Add(ChannelText.OneLine(message.Title));
        }

        lines.AddRange(message.Summary.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'));
        var details = message.Details.Select(d => $"{d.Key}: {ChannelText.OneLine(d.Value)}").ToList();
        if (details.Count > 0)
        {
            lines.Add(string.Empty);
            lines.AddRange(details);
        }

        // Cut the text as a whole (with "…" at the end when cut), then one paragraph per line.
        var text = ChannelText.Cut(string.Join('\n', lines), budget);
        var content = new JsonArray();
        foreach (var line in text.Split('\n'))
        {
            content.Add(Paragraph(line.Length == 0 ? [] : [Text(line)]));
        }

        foreach (var (url, name) in new[] { (message.IncidentUrl, "Incident"), (message.TraceUrl, "Trace"), (message.RunbookUrl, "Runbook") })
        {
            if (url is { IsAbsoluteUri: true } && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp))
            {
                var link = Text(url.AbsoluteUri);
                link["marks"] = new JsonArray(new JsonObject { ["type"] = "link", ["attrs"] = new JsonObject { ["href"] = url.AbsoluteUri } });
                content.Add(Paragraph([Text(name + ": "), link]));
            }
        }

        return new JsonObject { ["type"] = "doc", ["version"] = 1, ["content"] = content };
    }

    private static JsonObject Paragraph(JsonNode[] nodes) => new() { ["type"] = "paragraph", ["content"] = new JsonArray(nodes) };

    private static JsonObject Text(string text) => new() { ["type"] = "text", ["text"] = text };
}
