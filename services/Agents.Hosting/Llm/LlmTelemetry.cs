using System.Diagnostics.Metrics;

namespace Agents.Hosting.Llm;

/// <summary>
/// <c>agents_llm_requests_total{outcome}</c> on <c>/metrics</c>: every question an agent asked a model, by what came of it
/// (<see cref="Ok"/>, <see cref="Failed"/>: refused, cut short or filtered; <see cref="Invalid"/>: not the asked JSON;
/// <see cref="Error"/>: the provider could not be reached or answered an error, after the client's retries). The
/// system's alerting rules page on the share that is not ok (deploy/monitoring).
/// </summary>
public static class LlmTelemetry
{
    public const string Ok = "ok";
    public const string Failed = "failed";
    public const string Invalid = "invalid";
    public const string Error = "error";

    public static Counter<long> Requests { get; } = AgentsTelemetry.Meter.CreateCounter<long>(
        "agents.llm.requests", "{request}", "Questions asked of a model, by outcome (ok, failed, invalid, error).");

    public static void Count(string outcome) => Requests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
