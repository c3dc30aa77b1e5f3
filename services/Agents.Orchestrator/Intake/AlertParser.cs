using System.Text.Json.Nodes;
using Agents.Contracts.Alerts;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// Reads an alert message of any accepted format, told apart by shape: an <c>event</c> property makes it a
/// PagerDuty v3 webhook, an <c>alerts</c> property an Alertmanager webhook, any of <c>source</c>, <c>service</c>,
/// <c>summary</c> or <c>timestamp</c> a generic alert. Anything else, or a message that breaks its format, is an
/// <see cref="AlertFormatException"/> whose message says what was expected and what was found
/// (see <c>docs/alert-formats.md</c>).
/// </summary>
public static class AlertParser
{
    private const string Expected =
        "expected a PagerDuty v3 webhook (object 'event' with 'event_type' and 'data'), "
        + "an Alertmanager webhook ('version', 'status', 'alerts'[]) "
        + "or the generic format ('source', 'service', 'summary', 'timestamp')";

    /// <summary>
    /// The alerts in <paramref name="json"/>: one for a PagerDuty or generic message, one per element of
    /// <c>alerts</c> for Alertmanager. <paramref name="receivedAt"/> stands in for a time the message does not give.
    /// </summary>
    /// <exception cref="AlertFormatException">The message matches no format, or breaks the one it matches.</exception>
    public static IReadOnlyList<ParsedAlert> Parse(JsonObject json, DateTimeOffset receivedAt) =>
        [.. ParseAny(json, receivedAt).Select(Bounded)];

    /// <summary>
    /// A fingerprint longer than the store's column (<see cref="AlertLimits.MaxFingerprintLength"/>) is replaced by
    /// <see cref="AlertFingerprints.Oversized"/>: the same long fingerprint always gives the same short one.
    /// </summary>
    private static ParsedAlert Bounded(ParsedAlert parsed) =>
        parsed.Alert.Fingerprint.Length <= AlertLimits.MaxFingerprintLength
            ? parsed
            : parsed with { Alert = parsed.Alert with { Fingerprint = AlertFingerprints.Oversized(parsed.Alert.Fingerprint) } };

    private static IReadOnlyList<ParsedAlert> ParseAny(JsonObject json, DateTimeOffset receivedAt)
    {
        if (json is null)
        {
            throw new AlertFormatException($"Not a recognised alert: {Expected}; found an empty (null) message");
        }

        if (PagerDutyWebhook.Matches(json))
        {
            return [PagerDutyWebhook.Parse(json, receivedAt)];
        }

        if (AlertmanagerWebhook.Matches(json))
        {
            return AlertmanagerWebhook.Parse(json, receivedAt);
        }

        if (GenericAlert.Matches(json))
        {
            return [GenericAlert.Parse(json)];
        }

        throw new AlertFormatException($"Not a recognised alert: {Expected}; found keys: {AlertText.Keys(json)}");
    }
}
