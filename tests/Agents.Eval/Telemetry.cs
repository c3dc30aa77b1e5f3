using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Agents.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Agents.Eval;

/// <summary>
/// The telemetry every scenario's sources answer, for one run: a real Prometheus holding all scenarios' series (backfilled
/// with <c>promtool</c>; each scenario's services carry its own suffix), and the logs of each scenario's services in a
/// <see cref="FakeLoki"/> of their own behind one address that routes by the query's <c>service_name</c>.
/// </summary>
internal sealed partial class Telemetry : IAsyncDisposable
{
    public const string ErrorRatioMetric = "eval_error_ratio";
    public const string LatencyMetric = "eval_latency_p99_seconds";
    public const string SaturationMetric = "eval_saturation_ratio";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private readonly MonitoringProcess _prometheus;
    private readonly WebApplication _router;
    private readonly Dictionary<string, FakeLoki> _logs;
    private readonly FakeLoki _empty;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The namespace every scenario's workload lives in (their names carry the scenario's suffix).</summary>
    public const string Namespace = "eval";

    private Telemetry(MonitoringProcess prometheus, WebApplication router, Dictionary<string, FakeLoki> logs, FakeLoki empty, FakeKubernetesApi kubernetes)
    {
        Kubernetes = kubernetes;
        _prometheus = prometheus;
        _router = router;
        _logs = logs;
        _empty = empty;
    }

    public Uri PrometheusUrl => _prometheus.Address;

    public FakeKubernetesApi Kubernetes { get; }

    public Uri LokiUrl => new(_router.Urls.First().TrimEnd('/') + "/");

    /// <summary>The catalog's query templates for the series written here.</summary>
    public static string CatalogDefaults =>
        $$"""
        default:
          tier: standard
          prometheus:
            selector: 'service_name="$service"'
            errorRatio: 'max({{ErrorRatioMetric}}{$selector})'
            latencyP99: 'max({{LatencyMetric}}{$selector})'
            saturation: 'max({{SaturationMetric}}{$selector})'
            restarts: null
          loki:
            selector: '{service_name="$service"}'
        """;

    public static async Task<Telemetry> Start(IReadOnlyList<PreparedScenario> scenarios, DateTimeOffset from, DateTimeOffset to)
    {
        var text = OpenMetrics(scenarios, from, to);
        var prometheus = await MonitoringProcess.Start(
            "eval-prometheus",
            PrometheusServer.Binary,
            "prometheus",
            [("prometheus.yml", "# Written by Agents.Eval: scrapes nothing, answers the scenarios' history.\nglobal: {}\n"), ("history.om", text)],
            (port, directory, data) =>
            {
                Backfill(Path.Combine(directory, "history.om"), data);
                return
                [
                    $"--config.file={Path.Combine(directory, "prometheus.yml")}",
                    $"--storage.tsdb.path={data}",
                    $"--web.listen-address=127.0.0.1:{port}",
                    // Scenarios replayed from recorded incidents may lie further back than the default 15 days.
                    "--storage.tsdb.retention.time=3650d",
                ];
            },
            MonitoringProcess.DefaultStartTimeout,
            CancellationToken.None);

        var logs = new Dictionary<string, FakeLoki>(StringComparer.Ordinal);
        foreach (var group in scenarios.SelectMany(s => s.Logs()).GroupBy(l => l.Service, StringComparer.Ordinal))
        {
            var loki = await FakeLoki.Start();
            foreach (var log in group)
            {
                for (var i = 0; i < Math.Clamp(log.Count, 1, 500); i++)
                {
                    loki.Add(log.At + TimeSpan.FromSeconds(20 * i), log.Line, new Dictionary<string, string> { ["service_name"] = log.Service });
                }
            }

            logs[group.Key] = loki;
        }

        var kubernetes = await FakeKubernetesApi.Start();
        foreach (var scenario in scenarios)
        {
            foreach (var workload in scenario.File.Kubernetes)
            {
                AddWorkload(kubernetes, scenario, workload);
            }
        }

        var empty = await FakeLoki.Start();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var router = builder.Build();
        var telemetry = new Telemetry(prometheus, router, logs, empty, kubernetes);
        router.Run(telemetry.Route);
        await router.StartAsync();
        return telemetry;
    }

    /// <summary>A Deployment named after the service (created long ago, no rollouts), its pods and their warning events.</summary>
    private static void AddWorkload(FakeKubernetesApi kubernetes, PreparedScenario scenario, WorkloadSpec workload)
    {
        var name = scenario.Renamed(workload.Service);
        var labels = new Dictionary<string, string> { ["app"] = name };
        var image = $"registry.example/{name}:current";
        kubernetes.AddDeployment(Namespace, name, labels, image, revision: 1, progressedAt: scenario.AlertAt.AddDays(-30));
        var pods = workload.Pods.Count > 0 ? workload.Pods : [new PodSpec()];
        for (var i = 0; i < pods.Count; i++)
        {
            var pod = pods[i];
            kubernetes.AddPod(Namespace, $"{name}-{i}", labels, null, null, scenario.AlertAt.AddHours(-6), new FakeKubernetesApi.ContainerStatus("app", image, pod.Restarts)
            {
                LastTerminated = pod.LastTerminated,
                LastExitCode = pod.LastTerminated is null ? 0 : 137,
                LastFinishedAt = pod.FinishedAt + scenario.Shift,
                LastStartedAt = pod.FinishedAt is null ? null : scenario.AlertAt.AddHours(-6),
                Waiting = pod.Waiting,
                WaitingMessage = pod.WaitingMessage,
            });
        }

        foreach (var e in workload.Events)
        {
            kubernetes.AddEvent(Namespace, $"{name}-{Math.Clamp(e.Pod, 0, pods.Count - 1)}", "Warning", e.Reason, e.Message, e.Count, e.First + scenario.Shift, (e.Last ?? e.First) + scenario.Shift);
        }
    }

    /// <summary>One gauge family per signal, each series' samples in time order, timestamps in seconds, then <c># EOF</c>.</summary>
    private static string OpenMetrics(IReadOnlyList<PreparedScenario> scenarios, DateTimeOffset from, DateTimeOffset to)
    {
        var text = new StringBuilder();
        foreach (var (metric, signal, unit, pick) in new (string, string, string, Func<SeriesSpec, Level?>)[]
        {
            (ErrorRatioMetric, "error_ratio", "ratio", s => s.ErrorRatio),
            (LatencyMetric, "latency_p99", "seconds", s => s.LatencyP99),
            (SaturationMetric, "saturation", "ratio", s => s.Saturation),
        })
        {
            text.Append("# TYPE ").Append(metric).Append(" gauge\n");
            text.Append("# UNIT ").Append(metric).Append(' ').Append(unit).Append('\n');
            foreach (var scenario in scenarios)
            {
                foreach (var series in scenario.File.Prometheus)
                {
                    var service = scenario.Renamed(series.Service);
                    var labels = $"{{service_name=\"{service}\"}}";
                    if (series.Points.TryGetValue(signal, out var points) && points.Count > 0)
                    {
                        foreach (var point in points.Select(p => p with { At = p.At + scenario.Shift }).Where(p => p.At <= to).OrderBy(p => p.At))
                        {
                            Sample(text, metric, labels, point.At, point.Value);
                        }
                    }
                    else if (pick(series) is { } level)
                    {
                        var noise = new PrometheusHistory.NoiseSource(scenario.Name + "/" + series.Service, signal);
                        for (var t = from; t <= to; t += Interval)
                        {
                            var value = ValueAt(level, t - scenario.Shift) * (1 + (level.Noise * noise.Gaussian()));
                            Sample(text, metric, labels, t, Math.Max(0, unit == "ratio" ? Math.Min(1, value) : value));
                        }
                    }
                }
            }
        }

        text.Append("# EOF\n");
        return text.ToString();
    }

    /// <summary>The level at <paramref name="time"/> (the scenario's own time), without noise.</summary>
    private static double ValueAt(Level level, DateTimeOffset time)
    {
        var after = level.After ?? level.Before;
        if (level.SwingMinutes is { } swing and > 0)
        {
            var half = (long)Math.Floor((time - DateTimeOffset.UnixEpoch).TotalMinutes / swing);
            return half % 2 == 0 ? level.Before : after;
        }

        if (level.At is not { } at || time < at)
        {
            return level.Before;
        }

        var over = TimeSpan.FromMinutes(level.OverMinutes);
        return over <= TimeSpan.Zero || time >= at + over ? after : level.Before + ((after - level.Before) * ((time - at) / over));
    }

    private static void Sample(StringBuilder text, string metric, string labels, DateTimeOffset at, double value) =>
        text.Append(metric).Append(labels).Append(' ')
            .Append(Math.Round(value, 6).ToString("R", CultureInfo.InvariantCulture)).Append(' ')
            .Append(at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static void Backfill(string history, string data)
    {
        var start = new ProcessStartInfo(PrometheusHistory.Promtool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "tsdb", "create-blocks-from", "openmetrics", history, data })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{PrometheusHistory.Promtool} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("promtool did not backfill the scenarios' history within 120 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"promtool exited with {process.ExitCode}: {output.Result}{errors.Result}");
        }
    }

    /// <summary>Forwards a Loki query to the fake holding the logs of the service its selector names.</summary>
    private async Task Route(HttpContext http)
    {
        var query = http.Request.Query["query"].ToString();
        var service = ServiceSelector().Match(query) is { Success: true } m ? m.Groups[1].Value : "";
        var target = _logs.GetValueOrDefault(service) ?? _empty;
        var forwarded = new Uri(target.Url, http.Request.Path.Value!.TrimStart('/') + http.Request.QueryString.Value);
        using var answer = await _http.GetAsync(forwarded, http.RequestAborted);
        http.Response.StatusCode = (int)answer.StatusCode;
        http.Response.ContentType = answer.Content.Headers.ContentType?.ToString() ?? "application/json";
        await answer.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
    }

    [GeneratedRegex("service_name=\"([^\"]+)\"")]
    private static partial Regex ServiceSelector();

    public async ValueTask DisposeAsync()
    {
        await _router.StopAsync();
        await _router.DisposeAsync();
        foreach (var loki in _logs.Values)
        {
            await loki.DisposeAsync();
        }

        await _empty.DisposeAsync();
        await Kubernetes.DisposeAsync();
        await _prometheus.DisposeAsync();
        _http.Dispose();
    }
}
