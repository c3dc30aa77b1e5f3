// The webhook ingress under load, on a RabbitMQ node of its own (so that restarting it disturbs nobody), a database of
// its own, one orchestrator and one ingress, each a process of its own:
//
//   1. throughput: three runs of WEBHOOKS generic webhooks (bearer token), CONCURRENCY senders at once, no pause;
//      each 202 means the broker confirmed the alert. Prints accepted/s and the p50/p99 time to each 202 per run,
//      their medians, and the ratio to the design note's publish figures (docs/design.md §4). Between runs the
//      orchestrator is let store every incident of the run, so that each run starts on an empty queue.
//   2. restart: a steady stream (4 senders, one webhook per 50 ms each) during which the broker is restarted after the
//      first 20% of RESTART_WEBHOOKS are accepted; the stream goes on until the other 80% are accepted after the broker
//      is back. Senders retry on 503/429 and refused connections. Then every fingerprint answered 202 must become an
//      incident in orchestrator.incidents; exits 1 if one does not.
//
//   dotnet run -c Release --project tests/Agents.Ingress.Bench -- [WEBHOOKS=5000] [CONCURRENCY=32] [RESTART_WEBHOOKS=1000]
//
// Needs what deploy/local/deps.sh env prints (PostgreSQL; RabbitMQ is started here through deps.sh) and a Release build.
using System.Diagnostics;
using System.Globalization;
using Agents.EndToEnd.Tests;
using Agents.Testing;
using Npgsql;

var webhooks = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
var restartWebhooks = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000;
const int Runs = 3;
const int WarmUp = 200;
const string Token = "bench-ingress-bearer-token-0123456789";
const double OneConfirmAtATime = 1780; // docs/design.md §4: RabbitMQ persistent 1 KB, one confirm awaited at a time
const double BatchedConfirms = 13700; // the same with batched confirms
const int RestartSenders = 4;
var restartPace = TimeSpan.FromMilliseconds(50);
var incidentDeadline = TimeSpan.FromMinutes(3);
var id = Guid.NewGuid().ToString("N")[..6];
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture; // numbers as 1234.5 (invariant globalization makes it so anyway)

var processes = new List<ServiceProcess>();
Say($"starting a RabbitMQ node of its own, a fresh database, one orchestrator and one ingress");
var setup = Stopwatch.StartNew();
await using var broker = await PrivateBroker.Start(TestEnvironment.RepositoryRoot);
await using var database = await FreshDatabase.Create("agents_bench_ingress");
try
{
    var environment = new Dictionary<string, string>
    {
        ["RABBITMQ_URL"] = broker.Url,
        ["RABBITMQ_VHOST"] = "/",
        ["POSTGRES_CONNECTION"] = database.ConnectionString,
        ["Orchestrator__WorkflowPath"] = Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "workflows.yaml"),
        ["Logging__LogLevel__Default"] = "Warning",
        ["Ingress__Sources__bench__Kind"] = "generic",
        ["Ingress__Sources__bench__Token"] = Token,
        ["Ingress__Sources__bench__PermitsPerSecond"] = "100000",
        ["Ingress__Sources__bench__Burst"] = "1000000",
    };
    processes.Add(ServiceProcess.Start("orchestrator", environment));
    processes.Add(ServiceProcess.Start("ingress", environment));
    using (var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) })
    {
        await Task.WhenAll(processes.Select(p => p.WaitReady(probe, TimeSpan.FromSeconds(90))));
    }

    Say($"ready in {setup.Elapsed.TotalSeconds:0.0} s (broker on 127.0.0.1:{broker.AmqpPort}, database {database.Name})");
    using var ingress = new HttpClient { BaseAddress = processes.Single(p => p.Name == "ingress").BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    var stream = new WebhookStream(ingress, Token);

    // 1. Throughput.
    Console.WriteLine();
    Say($"throughput: {Runs} runs of {webhooks} webhooks, {concurrency} senders at once, each 202 after the broker's confirm "
        + $"(the ingress publishes on up to 16 channels at once, one confirm awaited per publish); the orchestrator consumes the "
        + $"alerts concurrently on the same {Environment.ProcessorCount} cores, and is let store every incident between runs");
    var warm = await stream.Send($"bench-warm-{id}", WarmUp, concurrency, TimeSpan.FromMinutes(2));
    var (warmStored, _) = await WaitStored($"bench-warm-{id}", warm.Accepted.Count, incidentDeadline);
    Say($"warm-up: {warm.Accepted.Count} accepted, {warmStored} incidents stored (not counted)");
    if (warmStored != warm.Accepted.Count)
    {
        Say($"FAILED: {warm.Accepted.Count - warmStored} of the warm-up's 202s did not become incidents within {incidentDeadline.TotalMinutes:0} min");
        return 1;
    }

    var perSecond = new List<double>();
    var p50s = new List<double>();
    var p99s = new List<double>();
    for (var run = 1; run <= Runs; run++)
    {
        var prefix = $"bench-run{run}-{id}";
        var result = await stream.Send(prefix, webhooks, concurrency, TimeSpan.FromMinutes(5));
        perSecond.Add(result.PerSecond);
        p50s.Add(result.Percentile(50));
        p99s.Add(result.Percentile(99));
        var (stored, drained) = await WaitStored(prefix, result.Accepted.Count, incidentDeadline);
        Say($"run {run}: {result.Accepted.Count} accepted in {result.Elapsed.TotalSeconds:0.00} s = {result.PerSecond:0}/s; "
            + $"202 latency p50 {result.Percentile(50):0.0} ms, p99 {result.Percentile(99):0.0} ms; 503/429 answers {result.Unavailable}, "
            + $"refused connections {result.Refused}; all {stored} incidents stored {drained.TotalSeconds:0.0} s after the last 202 "
            + $"(orchestrator {stored / (result.Elapsed + drained).TotalSeconds:0} incidents/s from the run's start)");
        if (stored != result.Accepted.Count)
        {
            Say($"FAILED: {result.Accepted.Count - stored} of run {run}'s 202s did not become incidents within {incidentDeadline.TotalMinutes:0} min");
            return 1;
        }
    }

    var median = Median(perSecond);
    Say($"median of {Runs}: {median:0} accepted/s, p50 {Median(p50s):0.0} ms, p99 {Median(p99s):0.0} ms");
    Say($"ratio to docs/design.md §4: {median / OneConfirmAtATime:0.00} of {OneConfirmAtATime:#,0} msg/s (one confirm awaited at a time), "
        + $"{median / BatchedConfirms:0.00} of {BatchedConfirms:#,0} msg/s (batched confirms)");

    // 2. The broker restarted in the middle of a stream.
    var before = Math.Max(1, restartWebhooks / 5);
    var afterBack = restartWebhooks - before;
    Console.WriteLine();
    Say($"restart: {RestartSenders} senders, one webhook per {restartPace.TotalMilliseconds:0} ms each; the broker is restarted after the "
        + $"{before}th 202 and the stream goes on until {afterBack} more are accepted after it is back (senders retry 503/429 and refused connections)");
    var restartPrefix = $"bench-restart-{id}";
    Task<TimeSpan>? restart = null;
    var acceptedWhenBack = -1;
    var gapLock = new object();
    var lastAccept = Stopwatch.GetTimestamp();
    var longestGap = TimeSpan.Zero;
    var restartResult = await stream.Send(restartPrefix, restartWebhooks * 20, RestartSenders, TimeSpan.FromMinutes(4), accepted =>
    {
        lock (gapLock)
        {
            var now = Stopwatch.GetTimestamp();
            var gap = Stopwatch.GetElapsedTime(lastAccept, now);
            if (gap > longestGap)
            {
                longestGap = gap;
            }

            lastAccept = now;
        }

        if (accepted == before)
        {
            restart = Task.Run(broker.Restart);
        }

        if (restart is { IsCompleted: true } && Volatile.Read(ref acceptedWhenBack) < 0)
        {
            Interlocked.CompareExchange(ref acceptedWhenBack, accepted, -1);
        }
    }, pace: restartPace, enough: accepted => Volatile.Read(ref acceptedWhenBack) is var back and >= 0 && accepted >= back + afterBack);
    if (restart is null)
    {
        Say($"FAILED: only {restartResult.Accepted.Count} accepted, the broker was never restarted");
        return 1;
    }

    var down = await restart;
    Say($"{restartResult.Accepted.Count} accepted in {restartResult.Elapsed.TotalSeconds:0.0} s ({restartResult.PerSecond:0.0}/s); "
        + $"503/429 answers {restartResult.Unavailable}; refused connections {restartResult.Refused}");
    Say($"broker restart (deps.sh restart rabbitmq: stop, start, wait until ready) took {down.TotalSeconds:0.0} s; "
        + $"longest time without a 202: {longestGap.TotalSeconds:0.0} s; the restart command returned at the {acceptedWhenBack}th 202 "
        + $"(the node takes connections before deps.sh sees it ready); "
        + $"202 latency p50 {restartResult.Percentile(50):0.0} ms, p99 {restartResult.Percentile(99):0.0} ms");
    if (restartResult.Accepted.Distinct().Count() != restartResult.Accepted.Count)
    {
        Say($"FAILED: a fingerprint was answered 202 twice");
        return 1;
    }

    var missing = restartResult.Accepted.ToHashSet();
    var waited = Stopwatch.StartNew();
    using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500)))
    {
        while (true)
        {
            missing.ExceptWith(await Fingerprints(restartPrefix));
            if (missing.Count == 0 || waited.Elapsed > incidentDeadline)
            {
                break;
            }

            await timer.WaitForNextTickAsync();
        }
    }

    var became = restartResult.Accepted.Count - missing.Count;
    if (missing.Count > 0)
    {
        Say($"FAILED: {became} of {restartResult.Accepted.Count} 202s became incidents within {incidentDeadline.TotalMinutes:0} min; "
            + $"{missing.Count} missing: {string.Join(", ", missing.Order(StringComparer.Ordinal).Take(20))}{(missing.Count > 20 ? ", ..." : "")}");
        return 1;
    }

    Say($"every 202 became an incident: {became} of {restartResult.Accepted.Count} (all stored {waited.Elapsed.TotalSeconds:0.0} s after the last 202)");
    return 0;
}
catch
{
    foreach (var process in processes)
    {
        Console.Error.WriteLine($"--- {process.Name} (last lines) ---{Environment.NewLine}{process.RecentOutput}");
    }

    throw;
}
finally
{
    foreach (var process in processes)
    {
        await process.DisposeAsync();
    }
}

// How many incidents of the fingerprints <prefix>-<n> are stored, polled until there are `expected` or the deadline
// passes; answers the count and the time it took.
async Task<(int Stored, TimeSpan Took)> WaitStored(string prefix, int expected, TimeSpan deadline)
{
    var clock = Stopwatch.StartNew();
    using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
    while (true)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("select count(distinct fingerprint) from orchestrator.incidents where fingerprint like @prefix", connection);
        query.Parameters.AddWithValue("prefix", prefix + "-%");
        var stored = (int)(long)(await query.ExecuteScalarAsync())!;
        if (stored >= expected || clock.Elapsed > deadline)
        {
            return (stored, clock.Elapsed);
        }

        await timer.WaitForNextTickAsync();
    }
}

// The fingerprints of the incidents <prefix>-<n> stored so far.
async Task<List<string>> Fingerprints(string prefix)
{
    await using var connection = new NpgsqlConnection(database.ConnectionString);
    await connection.OpenAsync();
    await using var query = new NpgsqlCommand("select fingerprint from orchestrator.incidents where fingerprint like @prefix", connection);
    query.Parameters.AddWithValue("prefix", prefix + "-%");
    await using var reader = await query.ExecuteReaderAsync();
    var found = new List<string>();
    while (await reader.ReadAsync())
    {
        found.Add(reader.GetString(0));
    }

    return found;
}

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static void Say(string line) => Console.WriteLine(line);
