using System.Diagnostics.Metrics;
using Agents.Hosting;

namespace Agents.Ingress;

/// <summary>
/// The ingress' metrics on <c>/metrics</c>: <c>agents_ingress_webhooks_total{source, kind, outcome, reason}</c> (outcome
/// <c>accepted</c> or <c>rejected</c>; reason <c>ok</c> or why it was refused; source <c>unknown</c> until a request
/// has proved which source it is, so no request can invent a label value) and the time a publish waited for its confirm.
/// </summary>
internal static class IngressTelemetry
{
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
    public const string UnknownSource = "unknown";

    public static Counter<long> Webhooks { get; } = AgentsTelemetry.Meter.CreateCounter<long>(
        "agents.ingress.webhooks", "{webhook}", "Webhooks answered by the ingress, by source, kind, outcome and reason.");

    public static Histogram<double> ConfirmDuration { get; } = AgentsTelemetry.Meter.CreateHistogram<double>(
        "agents.ingress.confirm.duration", "s", "Time from publishing an accepted webhook to the broker's confirm.");

    public static void Count(string source, string kind, string outcome, string reason) =>
        Webhooks.Add(1,
            new KeyValuePair<string, object?>("source", source),
            new KeyValuePair<string, object?>("kind", kind),
            new KeyValuePair<string, object?>("outcome", outcome),
            new KeyValuePair<string, object?>("reason", reason));
}
