using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Agents.Testing;

/// <summary>
/// A real Alertmanager 0.25 (Debian's <c>prometheus-alertmanager</c>) on 127.0.0.1, with its own temporary directory
/// (config and data), no cluster gossip port, one route to one receiver (<see cref="ReceiverName"/>) that delivers every
/// notification, resolved ones too, as a webhook with <c>Authorization: Bearer TOKEN</c> and Alertmanager's version-4
/// JSON. Disposing kills the process and deletes the directory. Compiled into each test project that needs it.
/// </summary>
internal sealed class AlertmanagerServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus-alertmanager";
    public const string ReceiverName = "agents";

    private readonly MonitoringProcess _process;

    private AlertmanagerServer(MonitoringProcess process, string configText)
    {
        _process = process;
        ConfigText = configText;
    }

    /// <summary>e.g. <c>http://127.0.0.1:41234/</c>; also its <c>--web.external-url</c> (the payload's <c>externalURL</c>).</summary>
    public Uri Address => _process.Address;

    /// <summary><c>127.0.0.1:PORT</c>, as a Prometheus <c>alerting.alertmanagers</c> target names it.</summary>
    public string HostPort => _process.HostPort;

    /// <summary>The alertmanager.yml it runs with (for failure messages).</summary>
    public string ConfigText { get; }

    /// <summary>The last lines the process wrote (its log), for failure messages.</summary>
    public string RecentOutput => _process.RecentOutput;

    /// <summary>
    /// Starts Alertmanager and waits until <c>/-/ready</c> answers. <paramref name="groupWait"/> (default 1 s) is how long
    /// a new group waits before its first notification, <paramref name="groupInterval"/> (default 5 s) how long before a
    /// changed group (e.g. resolved) is notified again, <paramref name="repeatInterval"/> (default 4 h, so: never during a
    /// test) how long before an unchanged firing group is notified again. <paramref name="groupBy"/> null groups all alerts
    /// together (Alertmanager's default); <c>["..."]</c> gives every alert its own group.
    /// </summary>
    public static async Task<AlertmanagerServer> Start(
        Uri webhookUrl,
        string bearerToken,
        TimeSpan? groupWait = null,
        TimeSpan? groupInterval = null,
        TimeSpan? repeatInterval = null,
        IReadOnlyList<string>? groupBy = null,
        TimeSpan? startTimeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(webhookUrl);
        ArgumentException.ThrowIfNullOrEmpty(bearerToken);
        if (!webhookUrl.IsAbsoluteUri || webhookUrl.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"The webhook URL must be an absolute http(s) URL, not '{webhookUrl}'.", nameof(webhookUrl));
        }

        var config = new StringBuilder();
        config.AppendLine("# Written by Agents.Testing.AlertmanagerServer for one test run.");
        config.AppendLine("route:");
        config.AppendLine(CultureInfo.InvariantCulture, $"  receiver: {MonitoringYaml.Quote(ReceiverName)}");
        if (groupBy is not null)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"  group_by: [{string.Join(", ", groupBy.Select(MonitoringYaml.Quote))}]");
        }

        config.AppendLine(CultureInfo.InvariantCulture, $"  group_wait: {MonitoringYaml.Duration(groupWait ?? TimeSpan.FromSeconds(1), nameof(groupWait))}");
        config.AppendLine(CultureInfo.InvariantCulture, $"  group_interval: {MonitoringYaml.Duration(groupInterval ?? TimeSpan.FromSeconds(5), nameof(groupInterval))}");
        config.AppendLine(CultureInfo.InvariantCulture, $"  repeat_interval: {MonitoringYaml.Duration(repeatInterval ?? TimeSpan.FromHours(4), nameof(repeatInterval))}");
        config.AppendLine("receivers:");
        config.AppendLine(CultureInfo.InvariantCulture, $"  - name: {MonitoringYaml.Quote(ReceiverName)}");
        config.AppendLine("    webhook_configs:");
        config.AppendLine(CultureInfo.InvariantCulture, $"      - url: {MonitoringYaml.Quote(webhookUrl.AbsoluteUri)}");
        config.AppendLine("        send_resolved: true");
        config.AppendLine("        http_config:");
        config.AppendLine("          authorization:");
        config.AppendLine("            type: Bearer");
        config.AppendLine(CultureInfo.InvariantCulture, $"            credentials: {MonitoringYaml.Quote(bearerToken)}");
        var configText = config.ToString();

        var process = await MonitoringProcess.Start(
            "alertmanager",
            Binary,
            "prometheus-alertmanager",
            ("alertmanager.yml", configText),
            (port, directory, data) =>
            [
                $"--config.file={Path.Combine(directory, "alertmanager.yml")}",
                $"--storage.path={data}",
                $"--web.listen-address=127.0.0.1:{port}",
                $"--web.external-url=http://127.0.0.1:{port}/",
                "--cluster.listen-address=",
                "--log.level=debug",
            ],
            startTimeout ?? MonitoringProcess.DefaultStartTimeout,
            cancellationToken);
        return new AlertmanagerServer(process, configText);
    }

    /// <summary>GETs a path of its HTTP API, e.g. <c>api/v2/alerts</c>, and answers the body (for failure messages).</summary>
    public Task<string> Get(string relativePath, CancellationToken cancellationToken = default) =>
        _process.Get(relativePath, cancellationToken);

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

/// <summary>
/// A real Prometheus 2.42 (Debian's <c>prometheus</c>) on 127.0.0.1, with its own temporary directory (config, rules,
/// TSDB), that scrapes one static target as job <c>JOB</c> every <c>interval</c> (default 2 s), evaluates one alerting
/// rule <c>up{job="JOB"} == 0</c> (<c>for</c> default 0 s) as often, and sends its alerts to one Alertmanager. So the
/// alert fires while nothing answers on the target and resolves once something serves <c>/metrics</c> there
/// (<see cref="ScrapeTarget"/>). Disposing kills the process and deletes the directory. Compiled into each test project
/// that needs it.
/// </summary>
internal sealed partial class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    private readonly MonitoringProcess _process;

    private PrometheusServer(MonitoringProcess process, string configText, string rulesText, string expression)
    {
        _process = process;
        ConfigText = configText;
        RulesText = rulesText;
        Expression = expression;
    }

    /// <summary>e.g. <c>http://127.0.0.1:41234/</c>; also its <c>--web.external-url</c> (the alerts' <c>generatorURL</c>).</summary>
    public Uri Address => _process.Address;

    /// <summary>The rule's PromQL, <c>up{job="JOB"} == 0</c>.</summary>
    public string Expression { get; }

    /// <summary>The prometheus.yml and rules.yml it runs with (for failure messages).</summary>
    public string ConfigText { get; }

    public string RulesText { get; }

    /// <summary>The last lines the process wrote (its log), for failure messages.</summary>
    public string RecentOutput => _process.RecentOutput;

    /// <summary>
    /// Starts Prometheus and waits until <c>/-/ready</c> answers. <paramref name="alertmanager"/> is where alerts go
    /// (<see cref="AlertmanagerServer.Address"/>); <paramref name="scrapeTarget"/> is <c>127.0.0.1:PORT</c>
    /// (<see cref="ScrapeTarget.HostPort"/>). The alert is named <paramref name="alertName"/> and carries, besides
    /// <c>alertname</c>, <c>job</c> and <c>instance</c>, the <paramref name="labels"/> (e.g. <c>severity</c>,
    /// <c>service</c>) and <paramref name="annotations"/> (e.g. <c>summary</c>) given.
    /// </summary>
    public static async Task<PrometheusServer> Start(
        Uri alertmanager,
        string scrapeTarget,
        string job = "dead",
        string alertName = "TargetDown",
        IReadOnlyDictionary<string, string>? labels = null,
        IReadOnlyDictionary<string, string>? annotations = null,
        TimeSpan? interval = null,
        TimeSpan? forDuration = null,
        TimeSpan? startTimeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alertmanager);
        ArgumentException.ThrowIfNullOrEmpty(scrapeTarget);
        ArgumentException.ThrowIfNullOrEmpty(job);
        if (!alertmanager.IsAbsoluteUri || alertmanager.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"The Alertmanager address must be an absolute http(s) URL, not '{alertmanager}'.", nameof(alertmanager));
        }

        if (scrapeTarget.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The scrape target is host:port (e.g. 127.0.0.1:9100), not '{scrapeTarget}'.", nameof(scrapeTarget));
        }

        if (!MetricName().IsMatch(alertName))
        {
            throw new ArgumentException($"Prometheus refuses an alert name that is not a metric name: '{alertName}'.", nameof(alertName));
        }

        foreach (var name in (labels?.Keys ?? []).Concat(annotations?.Keys ?? []))
        {
            if (!LabelName().IsMatch(name) || name.StartsWith("__", StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{name}' is not a label name Prometheus accepts on a rule.", labels?.ContainsKey(name) == true ? nameof(labels) : nameof(annotations));
            }
        }

        var every = MonitoringYaml.Duration(interval ?? TimeSpan.FromSeconds(2), nameof(interval));
        var expression = $"up{{job=\"{job.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"}} == 0";

        var config = new StringBuilder();
        config.AppendLine("# Written by Agents.Testing.PrometheusServer for one test run.");
        config.AppendLine("global:");
        config.AppendLine(CultureInfo.InvariantCulture, $"  scrape_interval: {every}");
        config.AppendLine(CultureInfo.InvariantCulture, $"  scrape_timeout: {every}");
        config.AppendLine(CultureInfo.InvariantCulture, $"  evaluation_interval: {every}");
        config.AppendLine("rule_files:");
        config.AppendLine("  - rules.yml");
        config.AppendLine("alerting:");
        config.AppendLine("  alertmanagers:");
        config.AppendLine(CultureInfo.InvariantCulture, $"    - scheme: {alertmanager.Scheme}");
        if (alertmanager.AbsolutePath.TrimEnd('/').Length > 0)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"      path_prefix: {MonitoringYaml.Quote(alertmanager.AbsolutePath)}");
        }

        config.AppendLine("      static_configs:");
        config.AppendLine(CultureInfo.InvariantCulture, $"        - targets: [{MonitoringYaml.Quote(alertmanager.Authority)}]");
        config.AppendLine("scrape_configs:");
        config.AppendLine(CultureInfo.InvariantCulture, $"  - job_name: {MonitoringYaml.Quote(job)}");
        config.AppendLine("    static_configs:");
        config.AppendLine(CultureInfo.InvariantCulture, $"      - targets: [{MonitoringYaml.Quote(scrapeTarget)}]");
        var configText = config.ToString();

        var rules = new StringBuilder();
        rules.AppendLine("# Written by Agents.Testing.PrometheusServer for one test run.");
        rules.AppendLine("groups:");
        rules.AppendLine("  - name: agents-test");
        rules.AppendLine("    rules:");
        rules.AppendLine(CultureInfo.InvariantCulture, $"      - alert: {MonitoringYaml.Quote(alertName)}");
        rules.AppendLine(CultureInfo.InvariantCulture, $"        expr: {MonitoringYaml.Quote(expression)}");
        rules.AppendLine(CultureInfo.InvariantCulture, $"        for: {MonitoringYaml.Duration(forDuration ?? TimeSpan.Zero, nameof(forDuration), allowZero: true)}");
        AppendMap(rules, "labels", labels);
        AppendMap(rules, "annotations", annotations);
        var rulesText = rules.ToString();

        var process = await MonitoringProcess.Start(
            "prometheus",
            Binary,
            "prometheus",
            [("prometheus.yml", configText), ("rules.yml", rulesText)],
            (port, directory, data) =>
            [
                $"--config.file={Path.Combine(directory, "prometheus.yml")}",
                $"--storage.tsdb.path={data}",
                $"--web.listen-address=127.0.0.1:{port}",
                $"--web.external-url=http://127.0.0.1:{port}/",
                "--log.level=debug",
            ],
            startTimeout ?? MonitoringProcess.DefaultStartTimeout,
            cancellationToken);
        return new PrometheusServer(process, configText, rulesText, expression);

        static void AppendMap(StringBuilder text, string key, IReadOnlyDictionary<string, string>? map)
        {
            if (map is null || map.Count == 0)
            {
                return;
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"        {key}:");
            foreach (var (name, value) in map.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"          {name}: {MonitoringYaml.Quote(value)}");
            }
        }
    }

    /// <summary>GETs a path of its HTTP API, e.g. <c>api/v1/alerts</c> or <c>api/v1/targets</c>, and answers the body.</summary>
    public Task<string> Get(string relativePath, CancellationToken cancellationToken = default) =>
        _process.Get(relativePath, cancellationToken);

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();
}

/// <summary>
/// A scrape target on 127.0.0.1 whose port is reserved (bound, not listening: connections are refused, so Prometheus's
/// <c>up</c> is 0) until <see cref="StartServing"/> serves <c>/metrics</c> there (<c>up</c> becomes 1);
/// <see cref="StopServing"/> refuses connections again.
/// </summary>
internal sealed class ScrapeTarget : IAsyncDisposable
{
    public const string MetricsBody = "# TYPE x gauge\nx 1\n";

    private readonly Lock _gate = new();
    private Socket? _reservation;
    private WebApplication? _app;
    private int _scrapes;

    private ScrapeTarget(Socket reservation)
    {
        _reservation = reservation;
        Port = ((IPEndPoint)reservation.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c>, what <see cref="PrometheusServer.Start"/> takes.</summary>
    public string HostPort => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public bool IsServing
    {
        get
        {
            lock (_gate)
            {
                return _app is not null;
            }
        }
    }

    /// <summary>What <c>/metrics</c> answers, asked at each scrape (default <see cref="MetricsBody"/>).</summary>
    public Func<string> Body { get; set; } = () => MetricsBody;

    /// <summary>How many times <c>/metrics</c> was fetched while serving.</summary>
    public int Scrapes => Volatile.Read(ref _scrapes);

    /// <summary>Reserves a free port on 127.0.0.1 without serving it.</summary>
    public static ScrapeTarget Reserve() => new(Bind(0));

    /// <summary>Serves <c>/metrics</c> (<see cref="MetricsBody"/>) on the reserved port from now on.</summary>
    public async Task StartServing(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_app is not null)
            {
                return;
            }
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port));
        var app = builder.Build();
        app.Run(async context =>
        {
            if (context.Request.Path != "/metrics")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            Interlocked.Increment(ref _scrapes);
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await context.Response.WriteAsync(Body(), context.RequestAborted);
        });

        // Release the reservation only now: the port is unowned for the moment between this and Kestrel's bind.
        lock (_gate)
        {
            _reservation?.Dispose();
            _reservation = null;
        }

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"Could not serve the scrape target on {HostPort} (another process took the port?): {e.Message}", e);
        }

        lock (_gate)
        {
            _app = app;
        }
    }

    /// <summary>Stops serving; the port is reserved (connections refused) again when it is still free.</summary>
    public async Task StopServing()
    {
        WebApplication? app;
        lock (_gate)
        {
            app = _app;
            _app = null;
        }

        if (app is null)
        {
            return;
        }

        await app.StopAsync();
        await app.DisposeAsync();
        try
        {
            var reservation = Bind(Port);
            lock (_gate)
            {
                _reservation = reservation;
            }
        }
        catch (SocketException)
        {
            // Someone else took the port meanwhile; the target stays unserved by us.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopServing();
        lock (_gate)
        {
            _reservation?.Dispose();
            _reservation = null;
        }
    }

    private static Socket Bind(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>
/// One Prometheus or Alertmanager process in its own temporary directory: the config files, and a fresh <c>data</c>
/// directory per start attempt. Started through a small <c>/bin/sh</c> wrapper that kills the server when its standard
/// input reaches end of file, i.e. when the test process goes away without disposing it (crash, kill -9, hang
/// timeout), so that no server outlives the test run.
/// </summary>
internal sealed partial class MonitoringProcess : IAsyncDisposable
{
    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(60);

    private const int MaxAttempts = 5;
    private const int KeptLines = 400;
    private const int ShownLines = 60;
    private const string OwnerFile = "owner.pid";

    // "$@" runs in the background with stdin from /dev/null (POSIX, no job control); the subshell waits for EOF on the
    // wrapper's stdin (fd 3), which the test process holds open until it ends, and then kills the server.
    private const string Wrapper = """
        exec 3<&0
        "$@" 3<&- &
        child=$!
        ( while read -r _ <&3; do :; done; kill -KILL "$child" 2>/dev/null ) >/dev/null 2>&1 &
        watcher=$!
        exec 3<&-
        wait "$child"
        status=$?
        kill "$watcher" 2>/dev/null
        exit "$status"
        """;

    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    private readonly string _name;
    private readonly string _directory;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;
    private int _port;
    private int _listeningPort;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private MonitoringProcess(string name, string directory)
    {
        _name = name;
        _directory = directory;
    }

    public Uri Address => new($"http://{HostPort}/");

    public string HostPort => $"127.0.0.1:{_port.ToString(CultureInfo.InvariantCulture)}";

    public string RecentOutput => string.Join(Environment.NewLine, _output.TakeLast(ShownLines));

    public static Task<MonitoringProcess> Start(
        string name,
        string binary,
        string package,
        (string Name, string Text) file,
        Func<int, string, string, IReadOnlyList<string>> arguments,
        TimeSpan timeout,
        CancellationToken cancellationToken) =>
        Start(name, binary, package, [file], arguments, timeout, cancellationToken);

    /// <summary>
    /// Writes <paramref name="files"/> into a new temporary directory and starts <paramref name="binary"/> with
    /// <paramref name="arguments"/>(port, directory, data directory) on a free loopback port until it has said it
    /// listens there and <c>/-/ready</c> answers 200; a new port when the chosen one was taken meanwhile.
    /// </summary>
    public static async Task<MonitoringProcess> Start(
        string name,
        string binary,
        string package,
        IReadOnlyList<(string Name, string Text)> files,
        Func<int, string, string, IReadOnlyList<string>> arguments,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException(
                $"{binary} is missing: install the Debian package '{package}' (deploy/local/test.sh installs it; by hand: "
                + $"sudo apt-get install -y --no-install-recommends {package}).");
        }

        SweepAbandoned(name);
        var directory = Directory.CreateTempSubdirectory($"agents-{name}-").FullName;
        var server = new MonitoringProcess(name, directory);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
            foreach (var (fileName, text) in files)
            {
                await File.WriteAllTextAsync(Path.Combine(directory, fileName), text, cancellationToken);
            }

            var deadline = DateTime.UtcNow + timeout;
            for (var attempt = 1; ; attempt++)
            {
                var data = Path.Combine(directory, $"data-{attempt.ToString(CultureInfo.InvariantCulture)}");
                Directory.CreateDirectory(data);
                var port = FreePort();
                server.Launch(binary, port, arguments(port, directory, data));
                var outcome = await server.WaitReady(deadline, timeout, cancellationToken);
                if (outcome == Outcome.Ready)
                {
                    return server;
                }

                // The port was taken between choosing it and the server's bind: try another one.
                if (attempt == MaxAttempts)
                {
                    throw new InvalidOperationException(
                        $"{name} could not bind a free loopback port in {MaxAttempts} attempts:{Environment.NewLine}{server.RecentOutput}");
                }

                server.Discard();
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async Task<string> Get(string relativePath, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(new Uri(Address, relativePath), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return $"{(int)response.StatusCode} {body}";
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_process is { } process)
        {
            // Closing the wrapper's stdin is what a dying test process does: the wrapper kills the server (SIGKILL),
            // reaps it and exits. Should that take long, kill the whole tree directly.
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The wrapper is gone already.
            }

            using (var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            {
                try
                {
                    await process.WaitForExitAsync(cancel.Token);
                }
                catch (OperationCanceledException)
                {
                    Kill();
                }
            }

            using (var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
            {
                try
                {
                    await process.WaitForExitAsync(cancel.Token);
                }
                catch (OperationCanceledException)
                {
                    // Killed with SIGKILL; the kernel finishes it whatever happens here.
                }
            }

            process.Dispose();
            _process = null;
        }

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
                break;
            }
            catch (DirectoryNotFoundException)
            {
                break;
            }
            catch (IOException) when (attempt < 3)
            {
                // A file was still being written by the dying process: once more.
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A temp directory left behind is not worth failing a test for.
                break;
            }
        }
    }

    /// <summary>
    /// Deletes the directories of earlier test processes that died without disposing their servers (the wrapper killed
    /// the servers, but nobody deleted their directories): those whose owner process is gone.
    /// </summary>
    private static void SweepAbandoned(string name)
    {
        try
        {
            foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), $"agents-{name}-*"))
            {
                var owner = Path.Combine(directory, OwnerFile);
                if (File.Exists(owner)
                    && int.TryParse(File.ReadAllText(owner).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                    && !Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}"))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another test process sweeping at the same time, or not ours to delete: leave it.
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private void Launch(string binary, int port, IReadOnlyList<string> arguments)
    {
        _port = port;
        _listeningPort = 0;
        var start = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = _directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Wrapper);
        start.ArgumentList.Add(_name);
        start.ArgumentList.Add(binary);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Keep($"[test] {binary} {string.Join(' ', arguments)}");
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Exited += (_, _) => Signal();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    private async Task<Outcome> WaitReady(DateTime deadline, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var process = _process!;
        var readyUri = new Uri(Address, "-/ready");
        string lastAnswer = "none yet";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task changed;
            lock (_output)
            {
                changed = _changed.Task;
            }

            if (process.HasExited)
            {
                // Let the output readers drain the last lines before deciding why.
                using (var drain = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
                {
                    try
                    {
                        await process.WaitForExitAsync(drain.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }

                if (_output.Any(line => line.Contains("address already in use", StringComparison.Ordinal)
                    && line.Contains($":{_port.ToString(CultureInfo.InvariantCulture)}", StringComparison.Ordinal)))
                {
                    return Outcome.PortTaken;
                }

                throw new InvalidOperationException(
                    $"{_name} exited with {process.ExitCode} while starting:{Environment.NewLine}{RecentOutput}");
            }

            // Only once the server itself has said it listens on the port: a port chosen free beforehand may have been
            // taken by another process, which must not be mistaken for this server.
            if (Volatile.Read(ref _listeningPort) == _port)
            {
                try
                {
                    using var response = await Http.GetAsync(readyUri, cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return Outcome.Ready;
                    }

                    lastAnswer = $"{(int)response.StatusCode} {response.ReasonPhrase}";
                }
                catch (HttpRequestException e)
                {
                    lastAnswer = e.Message;
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    lastAnswer = "no answer within 5 s";
                }
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException(
                    $"{_name} was not ready on {readyUri} within {timeout} (last /-/ready answer: {lastAnswer}):{Environment.NewLine}{RecentOutput}");
            }

            // Poll /-/ready every 100 ms once listening; before that, wake on the next output line or exit.
            var poll = Volatile.Read(ref _listeningPort) == _port ? TimeSpan.FromMilliseconds(100) : remaining;
            await Task.WhenAny(changed, Task.Delay(poll < remaining ? poll : remaining, cancellationToken));
        }
    }

    private void Discard()
    {
        Kill();
        _process?.Dispose();
        _process = null;
    }

    private void Kill()
    {
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > KeptLines && _output.TryDequeue(out _))
        {
        }

        if (Listening().Match(line) is { Success: true } match
            && int.TryParse(match.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            Volatile.Write(ref _listeningPort, port);
        }

        Signal();
    }

    private void Signal()
    {
        TaskCompletionSource changed;
        lock (_output)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    // Both servers log this (exporter-toolkit) once bound: msg="Listening on" address=127.0.0.1:41234
    [GeneratedRegex("""msg="Listening on" address=127\.0\.0\.1:(?<port>\d+)""")]
    private static partial Regex Listening();

    private enum Outcome
    {
        Ready,
        PortTaken,
    }
}

/// <summary>The bits of YAML the configs need: JSON strings are YAML double-quoted scalars; Go-style durations.</summary>
internal static class MonitoringYaml
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Quote(string value) => JsonSerializer.Serialize(value, Options);

    /// <summary>e.g. <c>2s</c>, <c>1500ms</c>, <c>4h</c>, as Prometheus and Alertmanager parse durations.</summary>
    public static string Duration(TimeSpan value, string parameter, bool allowZero = false)
    {
        if (value < TimeSpan.Zero || (value == TimeSpan.Zero && !allowZero) || value.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(parameter, value, "A positive whole number of milliseconds is needed.");
        }

        var ms = (long)value.TotalMilliseconds;
        return ms switch
        {
            0 => "0s",
            _ when ms % 3_600_000 == 0 => $"{ms / 3_600_000}h",
            _ when ms % 60_000 == 0 => $"{ms / 60_000}m",
            _ when ms % 1_000 == 0 => $"{ms / 1_000}s",
            _ => $"{ms}ms",
        };
    }
}
