using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Contracts.Context;

namespace Agents.Context.Sources.Datadog;

/// <summary>
/// The three Datadog API calls the <see cref="DatadogSource"/> makes, each with <c>DD-API-KEY</c> and
/// <c>DD-APPLICATION-KEY</c>:
/// <list type="bullet">
/// <item><c>GET /api/v1/query?from=&amp;to=&amp;query=</c> (Unix seconds): <c>{"status":"ok","series":[{"pointlist":[[ms, value|null]],"scope","tag_set"}]}</c>.</item>
/// <item><c>GET /api/v1/events?start=&amp;end=&amp;tags=&amp;unaggregated=true</c> (Unix seconds): <c>{"events":[{"date_happened","title","text","tags"}]}</c> (at most 1000, newest).</item>
/// <item><c>POST /api/v2/logs/events/search</c> with <c>{"filter":{"query","from","to"},"page":{"limit","cursor"},"sort":"-timestamp"}</c>,
/// following <c>meta.page.after</c> page by page (at most 1000 a page) until enough lines were read.</item>
/// </list>
/// A status other than 2xx throws <see cref="HttpRequestException"/> with the status and Datadog's own
/// <c>{"errors":[…]}</c> text (shortened), never a key; an answer that cannot be read throws <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class DatadogClient(HttpClient http, Uri baseUrl, string apiKey, string applicationKey, ContextBounds bounds)
{
    /// <summary>The most log events Datadog returns in one page.</summary>
    public const int MaxLogPage = 1000;

    private const int MaxErrorChars = 4096;

    private readonly Uri _base = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");

    /// <summary>One series a metrics query answered: its tags (from <c>scope</c> and <c>tag_set</c>) and its points.</summary>
    public sealed record Series(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<SeriesPoint> Points);

    /// <summary>One event of the event stream.</summary>
    public sealed record Event(DateTimeOffset At, string Title, string Text, IReadOnlyList<string> Tags);

    public async Task<IReadOnlyList<Series>> QueryMetricsAsync(string query, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var uri = Address("api/v1/query", ("from", Seconds(from, up: false)), ("to", Seconds(to, up: true)), ("query", query));
        using var root = await SendAsync(new HttpRequestMessage(HttpMethod.Get, uri), ct);
        var json = root.RootElement;
        if (Text(json, "status") is { } status && status != "ok")
        {
            throw new InvalidDataException($"status '{status}': {bounds.Shorten(Text(json, "error") ?? "no error given")}");
        }

        var series = new List<Series>();
        if (!json.TryGetProperty("series", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            return series;
        }

        foreach (var item in items.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var tag in (Text(item, "scope") ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Concat(Strings(item, "tag_set")))
            {
                if (tag == "*")
                {
                    continue;
                }

                var colon = tag.IndexOf(':', StringComparison.Ordinal);
                labels[colon < 0 ? tag : tag[..colon]] = colon < 0 ? "" : tag[(colon + 1)..];
            }

            var points = new List<SeriesPoint>();
            if (item.TryGetProperty("pointlist", out var pointlist) && pointlist.ValueKind == JsonValueKind.Array)
            {
                foreach (var point in pointlist.EnumerateArray())
                {
                    if (point.ValueKind == JsonValueKind.Array && point.GetArrayLength() >= 2
                        && point[0].ValueKind == JsonValueKind.Number && point[1].ValueKind == JsonValueKind.Number)
                    {
                        points.Add(new SeriesPoint(DateTimeOffset.FromUnixTimeMilliseconds((long)point[0].GetDouble()), point[1].GetDouble()));
                    }
                }
            }

            series.Add(new Series(labels, points));
        }

        return series;
    }

    public async Task<IReadOnlyList<Event>> ListEventsAsync(IReadOnlyList<string> tags, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var uri = Address("api/v1/events",
            ("start", Seconds(from, up: false)), ("end", Seconds(to, up: true)), ("tags", string.Join(',', tags)), ("unaggregated", "true"));
        using var root = await SendAsync(new HttpRequestMessage(HttpMethod.Get, uri), ct);
        var events = new List<Event>();
        if (!root.RootElement.TryGetProperty("events", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException("the answer has no events list");
        }

        foreach (var item in items.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
        {
            if (item.TryGetProperty("date_happened", out var happened) && happened.TryGetInt64(out var seconds))
            {
                events.Add(new Event(DateTimeOffset.FromUnixTimeSeconds(seconds), Text(item, "title") ?? "", Text(item, "text") ?? "", Strings(item, "tags").ToList()));
            }
        }

        return events;
    }

    /// <summary>Up to <paramref name="maxLines"/> log messages matching <paramref name="query"/>, newest first.</summary>
    public async Task<IReadOnlyList<(DateTimeOffset At, string Line)>> SearchLogsAsync(
        string query, DateTimeOffset from, DateTimeOffset to, int maxLines, CancellationToken ct)
    {
        var lines = new List<(DateTimeOffset, string)>();
        string? cursor = null;
        while (lines.Count < maxLines)
        {
            var page = new JsonObject { ["limit"] = Math.Min(MaxLogPage, maxLines - lines.Count) };
            if (cursor is not null)
            {
                page["cursor"] = cursor;
            }

            var body = new JsonObject
            {
                ["filter"] = new JsonObject
                {
                    ["query"] = query,
                    ["from"] = from.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                    ["to"] = to.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                },
                ["page"] = page,
                ["sort"] = "-timestamp",
            };
            var message = new HttpRequestMessage(HttpMethod.Post, Address("api/v2/logs/events/search")) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
            using var root = await SendAsync(message, ct);
            var json = root.RootElement;
            if (!json.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException("the answer has no data list");
            }

            foreach (var log in data.EnumerateArray())
            {
                if (log.ValueKind == JsonValueKind.Object
                    && log.TryGetProperty("attributes", out var attributes)
                    && attributes.ValueKind == JsonValueKind.Object
                    && Text(attributes, "message") is { } text
                    && DateTimeOffset.TryParse(Text(attributes, "timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    lines.Add((at, text));
                }
            }

            cursor = json.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object
                && meta.TryGetProperty("page", out var metaPage) && metaPage.ValueKind == JsonValueKind.Object
                    ? Text(metaPage, "after")
                    : null;
            if (cursor is null || data.GetArrayLength() == 0)
            {
                break;
            }
        }

        return lines.Take(maxLines).ToList();
    }

    private async Task<JsonDocument> SendAsync(HttpRequestMessage message, CancellationToken ct)
    {
        using (message)
        {
            message.Headers.Add("DD-API-KEY", apiKey);
            message.Headers.Add("DD-APPLICATION-KEY", applicationKey);
            message.Headers.Accept.ParseAdd("application/json");
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                var reason = await ReadErrorAsync(response, ct);
                throw new HttpRequestException($"{(int)response.StatusCode} {bounds.Shorten(reason)}", null, response.StatusCode);
            }

            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(ct);
                var document = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    document.Dispose();
                    throw new InvalidDataException("the answer is not a JSON object");
                }

                return document;
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"the answer is not JSON: {bounds.Shorten(ex.Message)}", ex);
            }
        }
    }

    /// <summary>Datadog's <c>{"errors":["…"]}</c> (or JSON:API <c>{"errors":[{"title","detail"}]}</c>) as one line; the raw body otherwise.</summary>
    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        text = text.Length > MaxErrorChars ? text[..MaxErrorChars] : text;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("errors", out var errors)
                && errors.ValueKind == JsonValueKind.Array)
            {
                var parts = errors.EnumerateArray().Select(e => e.ValueKind switch
                {
                    JsonValueKind.String => e.GetString(),
                    JsonValueKind.Object => string.Join(": ", new[] { Text(e, "title"), Text(e, "detail") }.Where(p => !string.IsNullOrEmpty(p))),
                    _ => e.ToString(),
                }).Where(p => !string.IsNullOrEmpty(p)).ToList();
                if (parts.Count > 0)
                {
                    return string.Join("; ", parts);
                }
            }
        }
        catch (JsonException)
        {
            // not JSON: an HTML page from a proxy, plain text; the text itself is the reason
        }

        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length > 0 ? text : response.ReasonPhrase ?? "(no body)";
    }

    private Uri Address(string path, params (string Name, string Value)[] parameters) =>
        new(_base, parameters.Length == 0
            ? path
            : $"{path}?{string.Join('&', parameters.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"))}");

    private static string Seconds(DateTimeOffset time, bool up)
    {
        var seconds = time.ToUnixTimeSeconds();
        if (up && time > DateTimeOffset.FromUnixTimeSeconds(seconds))
        {
            seconds++;
        }

        return seconds.ToString(CultureInfo.InvariantCulture);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IEnumerable<string> Strings(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)
            : [];
}
