using System.Globalization;
using System.Text.Json;
using Agents.Contracts.Incidents;
using Agents.Contracts.Investigation;
using Microsoft.Extensions.Options;

namespace Agents.Api.OperatorConsole;

/// <summary>One evidence series as the incident page draws it: the points of each labelled series, or why there are none.</summary>
public sealed record EvidenceChart(string Query, IReadOnlyList<ChartSeries> Series, DateTimeOffset From, DateTimeOffset To, DateTimeOffset? Mark, string? Error);

public sealed record ChartSeries(string Label, IReadOnlyList<(double At, double Value)> Points);

/// <summary>
/// The series behind the hypothesis's metric evidence, read again from the Prometheus the context agent read them from
/// (<c>Console__PrometheusUrl</c>, else <c>Context__Sources__Prometheus__Url</c>): <c>query_range</c> over the half hour
/// before the evidence to ten minutes after it. Bounded: at most <see cref="MaxCharts"/> charts, <see cref="MaxSeries"/>
/// series of <see cref="Steps"/> points each, a few seconds per query; no Prometheus configured, no charts.
/// </summary>
public sealed class EvidenceCharts(HttpClient http, IOptions<ConsoleOptions> options, IConfiguration configuration, TimeProvider clock)
{
    public const int MaxCharts = 4;
    public const int MaxSeries = 5;
    public const int Steps = 120;
    private const int MaxResponseBytes = 2 * 1024 * 1024;

    private Uri? Prometheus => options.Value.PrometheusUrl
        ?? (Uri.TryCreate(configuration["Context:Sources:Prometheus:Url"], UriKind.Absolute, out var url) ? url : null);

    /// <summary>The charts of <paramref name="incident"/>'s evidence, by the evidence's index in the hypothesis.</summary>
    public async Task<IReadOnlyDictionary<int, EvidenceChart>> For(IncidentDetails incident, CancellationToken ct)
    {
        if (Prometheus is not { } prometheus || incident.Hypothesis is not { } hypothesis)
        {
            return new Dictionary<int, EvidenceChart>();
        }

        var charted = hypothesis.Evidence
            .Select((e, i) => (Evidence: e, Index: i))
            .Where(x => !string.IsNullOrWhiteSpace(x.Evidence.Query) && string.Equals(x.Evidence.Source, "prometheus", StringComparison.OrdinalIgnoreCase))
            .Take(MaxCharts)
            .ToList();
        var charts = await Task.WhenAll(charted.Select(x => Chart(prometheus, x.Evidence, incident.Summary.CreatedAt, ct)));
        return charted.Zip(charts).ToDictionary(p => p.First.Index, p => p.Second);
    }

    private async Task<EvidenceChart> Chart(Uri prometheus, Evidence evidence, DateTimeOffset opened, CancellationToken ct)
    {
        var mark = evidence.ObservedAt ?? opened;
        var to = new[] { mark + TimeSpan.FromMinutes(10), clock.GetUtcNow() }.Min();
        var from = mark - TimeSpan.FromMinutes(30);
        var step = Math.Max(1, (int)((to - from).TotalSeconds / Steps));
        var query = evidence.Query!;
        var uri = new Uri(prometheus, string.Create(CultureInfo.InvariantCulture,
            $"api/v1/query_range?query={Uri.EscapeDataString(query)}&start={from.ToUnixTimeSeconds()}&end={to.ToUnixTimeSeconds()}&step={step}"));
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(4));
            using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.Content.Headers.ContentLength > MaxResponseBytes)
            {
                return new EvidenceChart(query, [], from, to, mark, "the series are too large to draw");
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var document = await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token);
            var root = document.RootElement;
            if (!response.IsSuccessStatusCode || root.GetProperty("status").GetString() != "success")
            {
                var error = root.TryGetProperty("error", out var e) ? e.GetString() : null;
                return new EvidenceChart(query, [], from, to, mark, $"Prometheus answered {(int)response.StatusCode}: {error}");
            }

            var series = root.GetProperty("data").GetProperty("result").EnumerateArray().Take(MaxSeries).Select(s => new ChartSeries(
                string.Join(",", s.GetProperty("metric").EnumerateObject().Select(l => $"{l.Name}={l.Value.GetString()}")),
                [.. s.GetProperty("values").EnumerateArray().Take(Steps + 1)
                    .Select(v => (v[0].GetDouble(), double.TryParse(v[1].GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN))
                    .Where(p => double.IsFinite(p.Item2))])).ToList();
            return new EvidenceChart(query, series, from, to, mark, series.Count == 0 ? "no samples in this window" : null);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new EvidenceChart(query, [], from, to, mark, ct.IsCancellationRequested ? "cancelled" : $"Prometheus could not be read: {e.GetBaseException().Message}");
        }
    }
}
