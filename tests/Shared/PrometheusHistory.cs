using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Agents.Testing;

/// <summary>
/// A real Prometheus 2.42 (Debian's <c>prometheus</c>) on 127.0.0.1 that holds a made-up but realistic past: the
/// services' OpenTelemetry HTTP server metrics as Prometheus exposes them, written as OpenMetrics text with explicit
/// timestamps and backfilled with <c>promtool tsdb create-blocks-from openmetrics</c> before the server starts. It
/// scrapes nothing, so what it answers is exactly the history described (<see cref="ServiceHistory"/>), deterministic
/// for the same description and times. Disposing kills the process and deletes its directory. Compiled into each
/// test project that needs it (with <c>MonitoringServers.cs</c>).
/// <para>Per service (label <c>service_name</c>):</para>
/// <list type="bullet">
/// <item><c>http_server_request_duration_seconds</c>, a histogram (<c>_bucket</c>, <c>_count</c>, <c>_sum</c>) per
/// <c>http_response_status_code</c> 200 and 500: cumulative counters whose 500 share follows
/// <see cref="ServiceHistory.ErrorRatio"/> and whose buckets put the 99th percentile at
/// <see cref="ServiceHistory.LatencyP99"/>. So the default catalog entry's queries answer them.</item>
/// <item><c>process_cpu_utilization_ratio</c>, a gauge 0..1, when <see cref="ServiceHistory.Saturation"/> is set
/// (query it with <see cref="SaturationQuery"/>).</item>
/// </list>
/// Example: <c>await using var prometheus = await PrometheusHistory.Start([PrometheusHistory.ServiceHistory.ErrorStep("checkout",
/// 0.005, 0.2, DateTimeOffset.UtcNow.AddMinutes(-10))]);</c> then <c>Context__Sources__Prometheus__Url = prometheus.Address</c>.
/// </summary>
internal sealed class PrometheusHistory : IAsyncDisposable
{
    public const string Promtool = "/usr/bin/promtool";
    public const string RequestMetric = "http_server_request_duration_seconds";
    public const string SaturationMetric = "process_cpu_utilization_ratio";

    /// <summary>How much history is written unless told otherwise: 2.5 hours.</summary>
    public static readonly TimeSpan DefaultLength = TimeSpan.FromMinutes(150);

    /// <summary>One sample per series this often unless told otherwise: 15 s (a common scrape interval).</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(15);

    /// <summary>How long before now the history ends unless told otherwise: samples must end before "now".</summary>
    public static readonly TimeSpan DefaultEndBeforeNow = TimeSpan.FromMinutes(1);

    /// <summary>The histogram's bucket bounds in seconds (Prometheus' client defaults), then <c>+Inf</c>.</summary>
    public static readonly IReadOnlyList<double> Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private const string HistoryFile = "history.om";

    private readonly MonitoringProcess _process;

    private PrometheusHistory(MonitoringProcess process, IReadOnlyList<ServiceHistory> services, DateTimeOffset from, DateTimeOffset to, TimeSpan interval)
    {
        _process = process;
        Services = services;
        From = from;
        To = to;
        Interval = interval;
    }

    /// <summary>e.g. <c>http://127.0.0.1:41234/</c>: what <c>Context__Sources__Prometheus__Url</c> is set to.</summary>
    public Uri Address => _process.Address;

    public IReadOnlyList<ServiceHistory> Services { get; }

    /// <summary>The first sample's time (on the <see cref="Interval"/> grid).</summary>
    public DateTimeOffset From { get; }

    /// <summary>The last sample's time (on the <see cref="Interval"/> grid, before the time the server started).</summary>
    public DateTimeOffset To { get; }

    public TimeSpan Interval { get; }

    /// <summary>How long writing the OpenMetrics text and <c>promtool</c>'s backfill took.</summary>
    public TimeSpan BackfillTime { get; private set; }

    /// <summary>How long <see cref="Start"/> took in all (writing, backfill, Prometheus ready).</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>The last lines Prometheus (and promtool) wrote, for failure messages.</summary>
    public string RecentOutput => _process.RecentOutput;

    /// <summary>
    /// Writes the history of <paramref name="services"/> from <paramref name="length"/> before <paramref name="end"/> to
    /// <paramref name="end"/> (default: <see cref="DefaultEndBeforeNow"/> before now; both ends rounded down to the
    /// <paramref name="interval"/> grid), backfills it and starts Prometheus over it, waiting until <c>/-/ready</c> answers.
    /// </summary>
    public static async Task<PrometheusHistory> Start(
        IReadOnlyList<ServiceHistory> services,
        DateTimeOffset? end = null,
        TimeSpan? length = null,
        TimeSpan? interval = null,
        TimeSpan? startTimeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        var watch = Stopwatch.StartNew();
        var every = interval ?? DefaultInterval;
        if (every < TimeSpan.FromSeconds(1) || every.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), every, "A whole number of seconds, at least 1, is needed.");
        }

        var now = DateTimeOffset.UtcNow;
        var last = Grid(end ?? now - DefaultEndBeforeNow, every);
        if (last >= now)
        {
            throw new ArgumentOutOfRangeException(nameof(end), end, "The history must end before now: Prometheus evaluates rules at the current time.");
        }

        var first = Grid(last - (length ?? DefaultLength), every);
        if (first >= last)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "The history needs more than one interval.");
        }

        var text = OpenMetrics(services, first, last, every);
        var backfill = TimeSpan.Zero;
        var process = await MonitoringProcess.Start(
            "prometheus-history",
            PrometheusServer.Binary,
            "prometheus",
            [("prometheus.yml", "# Written by Agents.Testing.PrometheusHistory: scrapes nothing, answers the backfilled history.\nglobal: {}\n"), (HistoryFile, text)],
            (port, directory, data) =>
            {
                var started = Stopwatch.GetTimestamp();
                Backfill(Path.Combine(directory, HistoryFile), data);
                backfill += Stopwatch.GetElapsedTime(started);
                return
                [
                    $"--config.file={Path.Combine(directory, "prometheus.yml")}",
                    $"--storage.tsdb.path={data}",
                    $"--web.listen-address=127.0.0.1:{port}",
                    $"--web.external-url=http://127.0.0.1:{port}/",
                ];
            },
            startTimeout ?? MonitoringProcess.DefaultStartTimeout,
            cancellationToken);
        return new PrometheusHistory(process, services, first, last, every)
        {
            BackfillTime = backfill,
            StartTime = watch.Elapsed,
        };
    }

    /// <summary>
    /// The PromQL of <paramref name="service"/>'s saturation as written here (a catalog entry's
    /// <c>prometheus.saturation</c>): <c>max(process_cpu_utilization_ratio{service_name="SERVICE"})</c>.
    /// </summary>
    public static string SaturationQuery(string service) => $"max({SaturationMetric}{{service_name=\"{Escape(service)}\"}})";

    /// <summary>
    /// The OpenMetrics text of the history: one family at a time (the request histogram, then the saturation gauge),
    /// each series' points in time order with explicit timestamps in seconds, ending with <c># EOF</c>.
    /// </summary>
    public static string OpenMetrics(IReadOnlyList<ServiceHistory> services, DateTimeOffset from, DateTimeOffset to, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(services);
        var duplicate = services.GroupBy(s => s.Service, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Service '{duplicate.Key}' is described twice.", nameof(services));
        }

        var times = new List<DateTimeOffset>();
        for (var t = from; t <= to; t += interval)
        {
            times.Add(t);
        }

        var text = new StringBuilder();
        text.Append("# TYPE ").Append(RequestMetric).Append(" histogram\n");
        text.Append("# UNIT ").Append(RequestMetric).Append(" seconds\n");
        text.Append("# HELP ").Append(RequestMetric).Append(" Duration of HTTP server requests.\n");
        foreach (var service in services)
        {
            WriteRequests(text, service, times, interval);
        }

        if (services.Any(s => s.Saturation is not null))
        {
            text.Append("# TYPE ").Append(SaturationMetric).Append(" gauge\n");
            text.Append("# UNIT ").Append(SaturationMetric).Append(" ratio\n");
            text.Append("# HELP ").Append(SaturationMetric).Append(" CPU utilisation of the service's processes, 0..1.\n");
            foreach (var service in services.Where(s => s.Saturation is not null))
            {
                var noise = new NoiseSource(service.Service, "saturation");
                var labels = $"{{service_name=\"{Escape(service.Service)}\"}}";
                foreach (var t in times)
                {
                    var value = Math.Round(Math.Clamp(service.Saturation!.ValueAt(t, noise), 0, 1), 5);
                    text.Append(SaturationMetric).Append(labels).Append(' ').Append(Number(value)).Append(' ').Append(Timestamp(t)).Append('\n');
                }
            }
        }

        text.Append("# EOF\n");
        return text.ToString();
    }

    /// <summary>GETs a path of its HTTP API, e.g. <c>api/v1/query?query=up</c>, and answers the status and body.</summary>
    public Task<string> Get(string relativePath, CancellationToken cancellationToken = default) =>
        _process.Get(relativePath, cancellationToken);

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    /// <summary>
    /// Each status code's series: for every interval the requests (about <see cref="ServiceHistory.RequestsPerSecond"/>),
    /// the failed share at the error ratio, and per request class a latency put where the 99th percentile lands at the
    /// wanted p99 (<see cref="Distribute"/>). Counters start at zero at the first sample and only grow.
    /// </summary>
    private static void WriteRequests(StringBuilder text, ServiceHistory service, IReadOnlyList<DateTimeOffset> times, TimeSpan interval)
    {
        var requestNoise = new NoiseSource(service.Service, "requests");
        var errorNoise = new NoiseSource(service.Service, "errors");
        var latencyNoise = new NoiseSource(service.Service, "latency");
        var perInterval = new (long Ok, long Failed, double P99)[times.Count];
        for (var i = 0; i < times.Count; i++)
        {
            if (i == 0)
            {
                continue;
            }

            var expected = service.RequestsPerSecond * interval.TotalSeconds;
            var total = Math.Max(0, requestNoise.Round(expected * (1 + (0.05 * requestNoise.Gaussian()))));
            var ratio = Math.Clamp(service.ErrorRatio.ValueAt(times[i], errorNoise), 0, 1);
            var failed = Math.Min(total, errorNoise.Round(total * ratio));
            perInterval[i] = (total - failed, failed, Math.Max(0.0001, service.LatencyP99.ValueAt(times[i], latencyNoise)));
        }

        foreach (var (code, pick) in new (string, Func<(long Ok, long Failed, double P99), long>)[] { ("200", p => p.Ok), ("500", p => p.Failed) })
        {
            var labels = $"service_name=\"{Escape(service.Service)}\",http_response_status_code=\"{code}\"";
            var buckets = new long[Buckets.Count + 1];
            var count = 0L;
            var sum = 0.0;
            for (var i = 0; i < times.Count; i++)
            {
                var requests = pick(perInterval[i]);
                if (requests > 0)
                {
                    var (lower, upper, upperCount, lowerMean, upperMean) = Distribute(perInterval[i].P99, requests);
                    for (var b = 0; b < buckets.Length; b++)
                    {
                        buckets[b] += (b >= lower ? requests - upperCount : 0) + (b >= upper ? upperCount : 0);
                    }

                    count += requests;
                    sum += ((requests - upperCount) * lowerMean) + (upperCount * upperMean);
                }

                var at = Timestamp(times[i]);
                for (var b = 0; b < buckets.Length; b++)
                {
                    var le = b < Buckets.Count ? Number(Buckets[b]) : "+Inf";
                    text.Append(RequestMetric).Append("_bucket{").Append(labels).Append(",le=\"").Append(le).Append("\"} ")
                        .Append(buckets[b].ToString(CultureInfo.InvariantCulture)).Append(' ').Append(at).Append('\n');
                }

                text.Append(RequestMetric).Append("_count{").Append(labels).Append("} ").Append(count.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(at).Append('\n');
                text.Append(RequestMetric).Append("_sum{").Append(labels).Append("} ").Append(Number(Math.Round(sum, 3))).Append(' ').Append(at).Append('\n');
            }
        }
    }

    /// <summary>
    /// Splits <paramref name="requests"/> between two adjacent buckets so that <c>histogram_quantile(0.99, ...)</c>, which
    /// interpolates linearly inside the bucket holding the 99th percentile, lands on <paramref name="p99"/>: the bucket
    /// (lower bound lo, upper bound hi] containing p99 gets the share 1 − f and the bucket below it the share f, where
    /// (0.99 − f) / (1 − f) = (p99 − lo) / (hi − lo). Answers the two buckets' indexes, the count in the upper one and
    /// a typical duration in each (for <c>_sum</c>).
    /// </summary>
    private static (int Lower, int Upper, long UpperCount, double LowerMean, double UpperMean) Distribute(double p99, long requests)
    {
        var upper = 0;
        while (upper < Buckets.Count && Buckets[upper] < p99)
        {
            upper++;
        }

        if (upper == 0 || upper == Buckets.Count)
        {
            // Below the first bound or past the last finite one: everything in one bucket.
            var only = Math.Min(upper, Buckets.Count);
            return (only, only, requests, p99, p99);
        }

        var lo = Buckets[upper - 1];
        var hi = Buckets[upper];
        var position = (p99 - lo) / (hi - lo);
        var lowerShare = position >= 0.99 ? 0 : (0.99 - position) / (1 - position);
        var upperCount = requests - (long)Math.Round(requests * lowerShare);
        var below = upper >= 2 ? Buckets[upper - 2] : 0;
        return (upper - 1, upper, upperCount, (below + lo) / 2, (lo + hi) / 2);
    }

    private static void Backfill(string history, string data)
    {
        if (!File.Exists(Promtool))
        {
            throw new InvalidOperationException(
                $"{Promtool} is missing: install the Debian package 'prometheus' (deploy/local/test.sh installs it; by hand: "
                + "sudo apt-get install -y --no-install-recommends prometheus).");
        }

        var start = new ProcessStartInfo(Promtool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "tsdb", "create-blocks-from", "openmetrics", history, data })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"promtool did not backfill {history} within 60 s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"promtool tsdb create-blocks-from openmetrics exited with {process.ExitCode}:{Environment.NewLine}{output.Result}{errors.Result}");
        }
    }

    private static DateTimeOffset Grid(DateTimeOffset time, TimeSpan interval) =>
        DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds() / (long)interval.TotalSeconds * (long)interval.TotalSeconds);

    private static string Timestamp(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static string Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? value.ToString("0.0", CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>
    /// What one service's metrics did over the history. Every level is a <see cref="HistoryLevel"/>: flat, or a step
    /// (sudden or over some minutes) at a given time.
    /// </summary>
    public sealed record ServiceHistory
    {
        public required string Service { get; init; }

        /// <summary>Requests per second (with 5% noise per interval). Default 20.</summary>
        public double RequestsPerSecond { get; init; } = 20;

        /// <summary>The share of requests answered 500. Default flat 0.5% with 10% noise.</summary>
        public HistoryLevel ErrorRatio { get; init; } = HistoryLevel.Flat(0.005);

        /// <summary>The 99th percentile request duration in seconds. Default flat 0.3 s.</summary>
        public HistoryLevel LatencyP99 { get; init; } = HistoryLevel.Flat(0.3, noise: 0.03);

        /// <summary>CPU utilisation 0..1 (<see cref="SaturationMetric"/>); null: not written.</summary>
        public HistoryLevel? Saturation { get; init; }

        /// <summary>A healthy service: 0.5% errors, p99 0.3 s, every level flat with noise.</summary>
        public static ServiceHistory Flat(string service) => new() { Service = service };

        /// <summary>The error ratio steps from <paramref name="before"/> to <paramref name="after"/> at <paramref name="at"/> (e.g. 0.005 → 0.2).</summary>
        public static ServiceHistory ErrorStep(string service, double before, double after, DateTimeOffset at) =>
            new() { Service = service, ErrorRatio = HistoryLevel.Step(before, after, at) };

        /// <summary>Saturation rises from <paramref name="from"/> to <paramref name="to"/> over <paramref name="over"/> starting at <paramref name="at"/>; errors stay flat.</summary>
        public static ServiceHistory SaturationRise(string service, double from, double to, DateTimeOffset at, TimeSpan over) =>
            new() { Service = service, Saturation = HistoryLevel.Step(from, to, at, over, noise: 0.02) };
    }

    /// <summary>
    /// A level over time: <see cref="Before"/> until <see cref="At"/> (forever when null), then <see cref="After"/> —
    /// reached at once, or linearly over <see cref="Over"/>. Each sample is the level times (1 + <see cref="Noise"/> ×
    /// a standard normal draw from a generator seeded by the service and signal, so the same description gives the same text).
    /// </summary>
    public sealed record HistoryLevel(double Before, double After, DateTimeOffset? At, TimeSpan Over, double Noise)
    {
        public static HistoryLevel Flat(double value, double noise = 0.1) => new(value, value, null, TimeSpan.Zero, noise);

        public static HistoryLevel Step(double before, double after, DateTimeOffset at, TimeSpan? over = null, double noise = 0.1) =>
            new(before, after, at, over ?? TimeSpan.Zero, noise);

        /// <summary>The level at <paramref name="time"/> without noise.</summary>
        public double LevelAt(DateTimeOffset time)
        {
            if (At is not { } at || time < at)
            {
                return Before;
            }

            if (Over <= TimeSpan.Zero || time >= at + Over)
            {
                return After;
            }

            return Before + ((After - Before) * ((time - at) / Over));
        }

        internal double ValueAt(DateTimeOffset time, NoiseSource noise) => LevelAt(time) * (1 + (Noise * noise.Gaussian()));
    }

    /// <summary>A seeded generator per service and signal (FNV-1a of the names: stable across runs, unlike string hash codes).</summary>
    internal sealed class NoiseSource(string service, string signal)
    {
        private readonly Random _random = new(Seed($"{service}/{signal}"));

        public double Gaussian()
        {
            // Box–Muller.
            var u1 = 1.0 - _random.NextDouble();
            var u2 = _random.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }

        /// <summary>Rounds up with probability equal to the fraction (keeps small expected counts right on average).</summary>
        public long Round(double value)
        {
            if (value <= 0)
            {
                return 0;
            }

            var whole = Math.Floor(value);
            return (long)whole + (_random.NextDouble() < value - whole ? 1 : 0);
        }

        private static int Seed(string text)
        {
            var hash = 2166136261u;
            foreach (var c in text)
            {
                hash = (hash ^ c) * 16777619u;
            }

            return (int)(hash & 0x7FFFFFFF);
        }
    }
}
