using System.Globalization;
using Agents.Contracts.Remediation;
using Agents.Hosting;
using Agents.Hosting.Agents;
using Agents.Hosting.Prometheus;
using Microsoft.Extensions.Options;

namespace Agents.Remediation.Verification;

/// <summary>What one verification check measured.</summary>
public sealed record VerificationOutcome(bool Verified, string Detail, double? Value);

/// <summary>
/// Evaluates an executed remediation's verification query on Prometheus: the values of the last
/// <see cref="RemediationVerification.For"/> (never from before the action) must all stay below (or above) the threshold,
/// and the action must be at least that long ago. A query that fails or returns nothing does not verify; the detail says
/// what was measured, for the incident and, when it never verifies, for the escalation.
/// </summary>
public sealed class RemediationVerifier(IHttpClientFactory clients, IOptions<VerificationOptions> options, TimeProvider clock)
    : IAgentBrain<CheckRemediation, VerificationOutcome>
{
    public const string HttpClientName = "remediation-verification";

    /// <summary>At most this many points are asked for over the window.</summary>
    private const int MaxPoints = 240;

    public string Kind => "prometheus";

    public async Task<AgentOutcome<VerificationOutcome>> DecideAsync(CheckRemediation command, CancellationToken cancellationToken)
    {
        var spec = command.Verification;
        if (spec.Query is not { } query || (spec.Below is null && spec.Above is null))
        {
            return Answer(false, "the service catalog names no verification query: only the source's resolved signal can verify", null);
        }

        if (options.Value.Url is null)
        {
            return Answer(false, $"{VerificationOptions.SectionName}:Url is not set: the verification query cannot be evaluated", null);
        }

        var now = clock.GetUtcNow();
        var since = now - spec.For > command.ExecutedAt ? now - spec.For : command.ExecutedAt;
        if (now <= since)
        {
            return Answer(false, $"the action finished at {command.ExecutedAt:u}: nothing to measure yet", null);
        }

        var step = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((now - since).TotalSeconds / MaxPoints)));
        IReadOnlyList<PrometheusRangeSeries> series;
        try
        {
            var client = new PrometheusClient(clients.CreateClient(HttpClientName), options.Value);
            series = await client.QueryRangeAsync(query, since, now, step, cancellationToken);
        }
        catch (Exception e) when (e is PrometheusQueryException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Answer(false, $"the verification query failed: {OneLine(e.Message)}", null);
        }

        var values = series.SelectMany(s => s.Values ?? []).Select(p => p.Value).Where(double.IsFinite).ToList();
        if (values.Count == 0)
        {
            return Answer(false, $"the verification query returned no data since {since:u}", null);
        }

        var below = spec.Below is not null;
        var threshold = spec.Below ?? spec.Above!.Value;
        var worst = below ? values.Max() : values.Min();
        var holds = below ? worst < threshold : worst > threshold;
        var held = now - command.ExecutedAt;
        var comparison = below ? "below" : "above";
        var measured = string.Create(CultureInfo.InvariantCulture,
            $"{(below ? "max" : "min")} {worst:0.####} over {values.Count} sample(s) since {since:u}");
        if (!holds)
        {
            return Answer(false, string.Create(CultureInfo.InvariantCulture, $"{measured}: not {comparison} {threshold}"), worst);
        }

        return held >= spec.For
            ? Answer(true, string.Create(CultureInfo.InvariantCulture,
                $"{measured}: {comparison} {threshold} for {Durations.Format(spec.For)} after the action"), worst)
            : Answer(false, string.Create(CultureInfo.InvariantCulture,
                $"{measured}: {comparison} {threshold} so far, for {Durations.Format(held)} of the {Durations.Format(spec.For)} required"), worst);
    }

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= 300 ? line : string.Concat(line.AsSpan(0, 300), "…");
    }

    private static AgentOutcome<VerificationOutcome> Answer(bool verified, string detail, double? value) =>
        AgentOutcome<VerificationOutcome>.Success(new VerificationOutcome(verified, detail, value));
}
