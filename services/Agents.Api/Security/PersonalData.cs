using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Contracts;

namespace Agents.Api.Security;

/// <summary>
/// A claim's personal data (the member id and the clinical notes): shown to claims reviewers, replaced by
/// <see cref="Redacted"/> for everyone else wherever a claim can be read: a claim, a deliberation's subject, a dead letter.
/// </summary>
public static class PersonalData
{
    public const string Redacted = "[redacted]";

    /// <summary>The claim fields only a claims reviewer sees, matched without regard to case at any depth.</summary>
    public static IReadOnlyList<string> Fields { get; } = ["memberId", "clinicalNotes"];

    /// <summary>The queues whose messages may hold a claim.</summary>
    public static IReadOnlySet<string> ClaimQueues { get; } =
        new HashSet<string>([AgentQueues.ClaimIntake, AgentQueues.Deliberation, .. Participants.ClaimAdjudication], StringComparer.Ordinal);

    public static bool Holds(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => value.EnumerateObject().Any(p => IsPersonal(p.Name) || Holds(p.Value)),
        JsonValueKind.Array => value.EnumerateArray().Any(Holds),
        _ => false,
    };

    /// <summary><paramref name="value"/> with every personal field, at any depth, replaced by <see cref="Redacted"/>.</summary>
    public static JsonElement Redact(JsonElement value)
    {
        if (!Holds(value))
        {
            return value;
        }

        var node = JsonNode.Parse(value.GetRawText());
        Redact(node);
        return JsonSerializer.SerializeToElement(node);
    }

    /// <summary>
    /// A dead letter's body as a non-reviewer may read it: JSON with the personal fields redacted; a body of a claims
    /// queue that is not JSON (so cannot be redacted field by field) withheld whole; any other body as it is.
    /// </summary>
    public static string RedactBody(string body, string queue)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return ClaimQueues.Contains(queue)
                ? $"{Redacted} (this message of {queue} is not JSON and may hold a claim's personal data: claims reviewers see it)"
                : body;
        }

        return Redact(parsed) ? parsed!.ToJsonString() : body;
    }

    private static bool IsPersonal(string name) => Fields.Any(f => string.Equals(f, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Replaces every personal field of <paramref name="node"/>, at any depth; whether there was one.</summary>
    private static bool Redact(JsonNode? node)
    {
        var found = false;
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o.ToList())
                {
                    if (IsPersonal(name))
                    {
                        o[name] = Redacted;
                        found = true;
                    }
                    else
                    {
                        found |= Redact(child);
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    found |= Redact(child);
                }

                break;
        }

        return found;
    }
}
