// Throughput of the whole system against this machine's ceiling, in one run (every service its own process, rule
// brains, remediation in its default dry-run mode, one orchestrator, a virtual host and database of their own):
//
//   1. the ceiling: a raw RabbitMQ probe (persistent messages, publisher confirms, consumed with acks) and a raw
//      PostgreSQL probe (single-row UPDATEs in autocommit); an incident costs about 12 messages and 8 row writes, so
//      the ceiling is min(messages/s / 12, updates/s / 8) incidents/s;
//   2. a burst: INCIDENTS distinct critical alerts published at once; incidents/s from the first publish to the last
//      incident's end, per-step latency (dispatched → answer recorded) p50/p99, the store's writes and bytes per incident;
//   3. a steady rate: RATE alerts a second for SECONDS; the same figures.
//
//   4. when TIMEOUTS > 0: TIMEOUTS alerts at once with the triage agent stopped; how late each triage timeout fired.
//
//   dotnet run -c Release --project tests/Agents.Throughput.Bench -- [incidents=300] [rate=20] [seconds=20] [timeouts=0]
//
// Needs what deploy/local/deps.sh env prints (RabbitMQ with management, PostgreSQL) and a Release build.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.EndToEnd.Tests;
using Agents.Testing;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

var incidents = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
var rate = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
var seconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
var timeouts = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 0;
const int MessagesPerIncident = 12;
const int WritesPerIncident = 8;
string[] steps = [IncidentSteps.Triage, IncidentSteps.Context, IncidentSteps.Investigation, IncidentSteps.Remediation, IncidentSteps.Notification];

var alert = await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "samples", "alertmanager-firing.json"));
var deploy = await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "samples", "deploy-auth-service.json"));
// Every service exports its spans to a receiver here: the orchestrator's consume spans give the orchestration overhead.
await using var receiver = await OtlpReceiver.Start();
await using var system = await BenchSystem.Start("throughput", new Dictionary<string, string>
{
    ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
    ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
});
await system.Publish(AgentQueues.DeploysExchange, deploy);

// 1. The ceiling, before any load of the system's own.
var messagesPerSecond = await RabbitProbe(system.VirtualHost, 20_000);
var updatesPerSecond = await PostgresProbe(system.DatabaseConnection, 8_000);
var ceiling = Math.Min(messagesPerSecond / MessagesPerIncident, updatesPerSecond / WritesPerIncident);
Console.WriteLine(Invariant($"rabbitmq probe: {messagesPerSecond:0} messages/s (persistent, confirms, acked) / {MessagesPerIncident} = {messagesPerSecond / MessagesPerIncident:0} incidents/s"));
Console.WriteLine(Invariant($"postgresql probe: {updatesPerSecond:0} single-row updates/s / {WritesPerIncident} = {updatesPerSecond / WritesPerIncident:0} incidents/s"));
Console.WriteLine(Invariant($"ceiling: {ceiling:0.0} incidents/s"));

// A warm-up incident: the first one of every process pays for its compilation and pools.
await Run("warm-up", 1, perSecond: null, quiet: true);

// 2. A burst.
var burst = await Run("burst", incidents, perSecond: null, quiet: false);
Console.WriteLine(Invariant($"incidents/s: {burst:0.0}"));
Console.WriteLine(Invariant($"ratio to ceiling: {burst / ceiling:0.000}"));

// 3. A steady rate.
await Run($"steady {rate}/s for {seconds}s", rate * seconds, perSecond: rate, quiet: false);

// 4. Step timeouts in a burst (when asked): the triage agent stopped, TIMEOUTS alerts at once; every triage's first attempt
// times out. How late after its deadline (dispatch + the step's timeout) each timeout was handled, and how many the
// timeline reports as late.
if (timeouts > 0)
{
    await system.StopProcesses("triage");
    var timeoutFingerprints = Enumerable.Range(0, timeouts).Select(_ => $"to{Guid.NewGuid():N}"[..16]).ToList();
    await Task.WhenAll(timeoutFingerprints.Select(f => system.Publish(AgentQueues.AlertsExchange, alert.Replace("a3f1c2d4e5b60718", f, StringComparison.Ordinal))));
    var lateness = await WaitTimedOut(system.DatabaseConnection, timeoutFingerprints, TimeSpan.FromMinutes(20));
    var late = lateness.Select(l => l.Late.TotalSeconds).Order().ToList();
    Console.WriteLine(Invariant(
        $"step timeouts in a burst of {timeouts}: handled after their deadline by p50 {Percentile(late, 0.5):0.0} s, p99 {Percentile(late, 0.99):0.0} s, max {late[^1]:0.0} s; reported late (10 s or more after it): {lateness.Count(l => l.ReportedLate)}"));
}

return;

async Task<double> Run(string name, int count, int? perSecond, bool quiet)
{
    var fingerprints = Enumerable.Range(0, count).Select(_ => $"tp{Guid.NewGuid():N}"[..16]).ToList();
    var (writesBefore, _) = await StoreStats(system.DatabaseConnection);
    var cpuBefore = ProcessorTimes(system);
    var databaseBefore = await DatabaseWork(system.DatabaseConnection);
    var clock = Stopwatch.StartNew();
    var started = DateTimeOffset.UtcNow;
    if (perSecond is { } r)
    {
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / r);
            if (clock.Elapsed < due)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            await system.Publish(AgentQueues.AlertsExchange, alert.Replace("a3f1c2d4e5b60718", fingerprints[i], StringComparison.Ordinal));
        }
    }
    else
    {
        await Task.WhenAll(fingerprints.Select(f => system.Publish(AgentQueues.AlertsExchange, alert.Replace("a3f1c2d4e5b60718", f, StringComparison.Ordinal))));
    }

    var rows = await WaitEnded(system.DatabaseConnection, fingerprints, TimeSpan.FromMinutes(30));
    var cpuAfter = ProcessorTimes(system);
    var wall = clock.Elapsed;
    var (writesAfter, bytes) = await StoreStats(system.DatabaseConnection);
    var last = rows.Max(row => row.UpdatedAt);
    var throughput = count / (last - started).TotalSeconds;
    if (quiet)
    {
        return throughput;
    }

    var statuses = string.Join(", ", rows.GroupBy(row => row.Status).Select(g => $"{g.Key} {g.Count()}"));
    Console.WriteLine(Invariant($"{name}: {count} incidents in {(last - started).TotalSeconds:0.0} s = {throughput:0.0} incidents/s; statuses: {statuses}"));
    foreach (var step in steps)
    {
        var latencies = rows.SelectMany(row => StepLatencies(row.Timeline, step)).Order().ToList();
        if (latencies.Count > 0)
        {
            Console.WriteLine(Invariant($"  {step,-13} latency p50 {Percentile(latencies, 0.5):0} ms, p99 {Percentile(latencies, 0.99):0} ms"));
        }
    }

    Console.WriteLine(Invariant($"  store: {(double)(writesAfter - writesBefore) / count:0.0} row writes per incident, {bytes:0} bytes per incident row on average"));
    var databaseAfter = await DatabaseWork(system.DatabaseConnection);
    var databaseUse = databaseAfter.Select(p => (p.Key, PerIncident: (double)(p.Value - databaseBefore.GetValueOrDefault(p.Key)) / count))
        .Where(p => p.PerIncident > 0).OrderByDescending(p => p.PerIncident);
    Console.WriteLine(Invariant($"  database work per incident: {string.Join(", ", databaseUse.Select(p => Invariant($"{p.Key} {p.PerIncident:0.0}")))}"));
    PrintProcessorUse(cpuBefore, cpuAfter, count, wall);

    // The orchestrator's consume spans of the saga queue in this run: a reply (or alert, or timeout) taken, the incident
    // loaded, decided, saved, and the next command published (the in-memory outbox sends inside the span). Spans are
    // exported in batches: wait until the run's last incident's spans could have arrived.
    var runEnd = last;
    var exported = receiver.Spans.Count;
    var settle = Stopwatch.StartNew();
    while (settle.Elapsed < TimeSpan.FromSeconds(10))
    {
        await Task.Delay(1000);
        if (receiver.Spans.Count == exported)
        {
            break;
        }

        exported = receiver.Spans.Count;
    }

    var consumes = receiver.Spans
        .Where(s => s.ServiceName == "orchestrator" && s.Kind == 5 && s.Start >= started && s.End <= runEnd.AddSeconds(1)
            && s.Name.StartsWith(AgentQueues.Orchestrator + " ", StringComparison.Ordinal))
        .Select(s => (s.End - s.Start).TotalMilliseconds).Order().ToList();
    if (consumes.Count > 0)
    {
        Console.WriteLine(Invariant($"  orchestration overhead per saga message (consumed -> saved -> next command published): p50 {Percentile(consumes, 0.5):0.0} ms, p99 {Percentile(consumes, 0.99):0.0} ms over {consumes.Count} messages"));
    }

    return throughput;
}

// From a step's dispatch to the answer the incident recorded for it (its segment written, or the notification sent), in ms.
static IEnumerable<double> StepLatencies(JsonElement timeline, string step)
{
    DateTimeOffset? dispatched = null;
    foreach (var entry in timeline.EnumerateArray())
    {
        if (entry.GetProperty("step").GetString() != step)
        {
            continue;
        }

        var what = entry.GetProperty("event").GetString() ?? "";
        var at = entry.GetProperty("at").GetDateTimeOffset();
        if (what == "dispatched")
        {
            dispatched = at;
        }
        else if (dispatched is { } from && (what.EndsWith(" written", StringComparison.Ordinal) || what is "notification sent" or "approval requested"))
        {
            yield return (at - from).TotalMilliseconds;
            dispatched = null;
        }
    }
}

static double Percentile(IReadOnlyList<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static async Task<List<(string Status, DateTimeOffset UpdatedAt, JsonElement Timeline)>> WaitEnded(string database, IReadOnlyList<string> fingerprints, TimeSpan timeout)
{
    var deadline = Stopwatch.StartNew();
    await using var connection = new NpgsqlConnection(database);
    await connection.OpenAsync();
    while (true)
    {
        await using var command = new NpgsqlCommand(
            "SELECT status, updated_at, timeline FROM orchestrator.incidents WHERE fingerprint = ANY(@fingerprints) AND status = ANY(@ended)", connection);
        command.Parameters.AddWithValue("fingerprints", fingerprints.ToArray());
        command.Parameters.AddWithValue("ended", IncidentStatuses.Terminal.ToArray());
        var rows = new List<(string, DateTimeOffset, JsonElement)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), JsonDocument.Parse(reader.GetString(2)).RootElement.Clone()));
            }
        }

        if (rows.Count >= fingerprints.Count)
        {
            return rows;
        }

        if (deadline.Elapsed > timeout)
        {
            throw new TimeoutException($"{fingerprints.Count - rows.Count} of {fingerprints.Count} incidents did not end within {timeout}");
        }

        await Task.Delay(250);
    }
}

// Until every incident of the fingerprints recorded its triage's first attempt as failed: for each, how long after the
// deadline (dispatched + the timeout the failure names) that was, and whether its timeline reports it as late.
static async Task<List<(TimeSpan Late, bool ReportedLate)>> WaitTimedOut(string database, IReadOnlyList<string> fingerprints, TimeSpan timeout)
{
    var deadline = Stopwatch.StartNew();
    await using var connection = new NpgsqlConnection(database);
    await connection.OpenAsync();
    while (true)
    {
        await using var command = new NpgsqlCommand(
            "SELECT timeline FROM orchestrator.incidents WHERE fingerprint = ANY(@fingerprints) "
            + "AND timeline @> '[{\"step\": \"triage\", \"attempt\": 1, \"event\": \"step failed\"}]'", connection);
        command.Parameters.AddWithValue("fingerprints", fingerprints.ToArray());
        var found = new List<(TimeSpan, bool)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var entries = JsonDocument.Parse(reader.GetString(0)).RootElement.EnumerateArray()
                    .Where(e => e.GetProperty("step").GetString() == "triage" && e.GetProperty("attempt").GetInt32() == 1).ToList();
                var dispatched = entries.First(e => e.GetProperty("event").GetString() == "dispatched").GetProperty("at").GetDateTimeOffset();
                var failed = entries.First(e => e.GetProperty("event").GetString() == "step failed");
                var detail = failed.GetProperty("detail").GetString() ?? "";
                var within = System.Text.RegularExpressions.Regex.Match(detail, @"no reply within (\d+)(ms|s|m)");
                var limit = within.Groups[2].Value switch
                {
                    "ms" => TimeSpan.FromMilliseconds(int.Parse(within.Groups[1].Value, CultureInfo.InvariantCulture)),
                    "m" => TimeSpan.FromMinutes(int.Parse(within.Groups[1].Value, CultureInfo.InvariantCulture)),
                    _ => TimeSpan.FromSeconds(int.Parse(within.Groups[1].Value, CultureInfo.InvariantCulture)),
                };
                found.Add((failed.GetProperty("at").GetDateTimeOffset() - (dispatched + limit), detail.Contains("passed;", StringComparison.Ordinal)));
            }
        }

        if (found.Count >= fingerprints.Count)
        {
            return found;
        }

        if (deadline.Elapsed > timeout)
        {
            throw new TimeoutException($"{fingerprints.Count - found.Count} of {fingerprints.Count} triage timeouts did not fire within {timeout}");
        }

        await Task.Delay(1000);
    }
}

// Rows inserted and updated in the incident table so far, and the average stored size of an incident row.
static async Task<(long Writes, double Bytes)> StoreStats(string database)
{
    await using var connection = new NpgsqlConnection(database);
    await connection.OpenAsync();
    await using (var flush = new NpgsqlCommand("SELECT pg_stat_force_next_flush()", connection))
    {
        await flush.ExecuteNonQueryAsync();
    }

    await using var command = new NpgsqlCommand("""
        SELECT (SELECT coalesce(n_tup_ins + n_tup_upd, 0) FROM pg_stat_user_tables WHERE schemaname = 'orchestrator' AND relname = 'incidents'),
               (SELECT coalesce(avg(pg_column_size(i.*)), 0) FROM orchestrator.incidents i)
        """, connection);
    await using var reader = await command.ExecuteReaderAsync();
    await reader.ReadAsync();
    return (reader.IsDBNull(0) ? 0 : reader.GetInt64(0), Convert.ToDouble(reader.GetValue(1), CultureInfo.InvariantCulture));
}

// The run's database so far: transactions committed, and rows written (inserted, updated, deleted) in each schema.
static async Task<Dictionary<string, long>> DatabaseWork(string database)
{
    await using var connection = new NpgsqlConnection(database);
    await connection.OpenAsync();
    await using (var flush = new NpgsqlCommand("SELECT pg_stat_force_next_flush()", connection))
    {
        await flush.ExecuteNonQueryAsync();
    }

    await using var command = new NpgsqlCommand(
        "SELECT 'transactions', xact_commit FROM pg_stat_database WHERE datname = current_database() UNION ALL "
        + "SELECT 'rows written in ' || schemaname, sum(n_tup_ins + n_tup_upd + n_tup_del)::bigint FROM pg_stat_user_tables GROUP BY schemaname",
        connection);
    var work = new Dictionary<string, long>();
    await using var reader = await command.ExecuteReaderAsync();
    while (await reader.ReadAsync())
    {
        work[reader.GetString(0)] = reader.GetInt64(1);
    }

    return work;
}

// Persistent messages published with confirms by 8 publishers at once into a queue of its own, consumed with acks.
static async Task<double> RabbitProbe(string virtualHost, int messages)
{
    var factory = new ConnectionFactory { Uri = new Uri(TestEnvironment.RabbitMqUrl), VirtualHost = virtualHost };
    await using var connection = await factory.CreateConnectionAsync("throughput-probe");
    var queue = $"probe-{Guid.NewGuid():N}";
    await using var consumerChannel = await connection.CreateChannelAsync();
    await consumerChannel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
    await consumerChannel.BasicQosAsync(0, 200, false);
    var consumed = 0;
    var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var consumer = new AsyncEventingBasicConsumer(consumerChannel);
    consumer.ReceivedAsync += async (_, delivery) =>
    {
        await consumerChannel.BasicAckAsync(delivery.DeliveryTag, false);
        if (Interlocked.Increment(ref consumed) == messages)
        {
            done.TrySetResult();
        }
    };
    await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);
    var body = Encoding.UTF8.GetBytes(new string('x', 1024));
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, 8).Select(async publisher =>
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        for (var i = publisher; i < messages; i += 8)
        {
            await channel.BasicPublishAsync("", queue, false, new BasicProperties { Persistent = true }, body);
        }
    }));
    await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
    var elapsed = clock.Elapsed;
    await consumerChannel.QueueDeleteAsync(queue);
    return messages / elapsed.TotalSeconds;
}

// Single-row UPDATEs in autocommit, 8 connections at once, each on its own row.
static async Task<double> PostgresProbe(string database, int updates)
{
    await using (var setup = new NpgsqlConnection(database))
    {
        await setup.OpenAsync();
        await using var create = new NpgsqlCommand(
            "CREATE TABLE IF NOT EXISTS throughput_probe (id int PRIMARY KEY, n bigint NOT NULL, body text NOT NULL); "
            + "INSERT INTO throughput_probe SELECT g, 0, repeat('x', 4000) FROM generate_series(0, 7) g ON CONFLICT DO NOTHING", setup);
        await create.ExecuteNonQueryAsync();
    }

    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var update = new NpgsqlCommand("UPDATE throughput_probe SET n = n + 1 WHERE id = @id", connection);
        update.Parameters.AddWithValue("id", worker);
        for (var i = worker; i < updates; i += 8)
        {
            await update.ExecuteNonQueryAsync();
        }
    }));
    return updates / clock.Elapsed.TotalSeconds;
}

// Processor time used so far by each service's processes, the RabbitMQ node and the PostgreSQL cluster this run uses (found
// by the pid files deploy/local/deps.sh keeps; left out when they are elsewhere), this driver, and the whole machine.
static Dictionary<string, TimeSpan> ProcessorTimes(BenchSystem system)
{
    var times = new Dictionary<string, TimeSpan>(system.ProcessorTimes());
    var local = Path.Combine(TestEnvironment.RepositoryRoot, ".local");
    if (PidFromFile(Path.Combine(local, "rabbitmq", "rabbitmq.pid")) is { } rabbit && ProcStat(rabbit) is { } node)
    {
        times["rabbitmq"] = node.Own + node.Children;
    }

    if (PidFromFile(Path.Combine(local, "postgres", "data", "postmaster.pid")) is { } postmaster && ProcStat(postmaster) is { } cluster)
    {
        // The postmaster's own time, its ended backends' (reaped into its children's time) and its live backends'.
        var backends = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? ProcStat(pid) : null)
            .Where(stat => stat is { } s && s.Parent == postmaster)
            .Aggregate(TimeSpan.Zero, (sum, stat) => sum + stat!.Value.Own);
        times["postgresql"] = cluster.Own + cluster.Children + backends;
    }

    times["this driver"] = Process.GetCurrentProcess().TotalProcessorTime;
    var busy = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
    // user, nice, system, irq, softirq, steal: everything but idle and iowait.
    times["whole machine"] = Ticks(busy[0] + busy[1] + busy[2] + busy[5] + busy[6] + busy[7]);
    return times;
}

static void PrintProcessorUse(Dictionary<string, TimeSpan> before, Dictionary<string, TimeSpan> after, int incidents, TimeSpan wall)
{
    var used = after.Keys.Where(before.ContainsKey).ToDictionary(k => k, k => (after[k] - before[k]).TotalMilliseconds / incidents);
    var parts = used.Where(p => p.Key != "whole machine").OrderByDescending(p => p.Value).ToList();
    var sum = parts.Sum(p => p.Value);
    Console.WriteLine(Invariant($"  processor time per incident: {string.Join(", ", parts.Select(p => Invariant($"{p.Key} {p.Value:0.0} ms")))}"));
    Console.WriteLine(Invariant($"  processor time per incident, these processes: {sum:0.0} ms (whole machine {used["whole machine"]:0.0} ms); at that cost {Environment.ProcessorCount} cores allow {Environment.ProcessorCount * 1000 / sum:0} incidents/s; machine busy {used["whole machine"] * incidents / wall.TotalMilliseconds / Environment.ProcessorCount:P0} of the run"));
}

static int? PidFromFile(string path) =>
    File.Exists(path) && int.TryParse(File.ReadLines(path).FirstOrDefault()?.Trim(), out var pid) ? pid : null;

// utime+stime and cutime+cstime of a process, and its parent, from /proc/PID/stat; null when it is gone.
static (TimeSpan Own, TimeSpan Children, int Parent)? ProcStat(int pid)
{
    string text;
    try
    {
        text = File.ReadAllText($"/proc/{pid}/stat");
    }
    catch (IOException)
    {
        return null;
    }

    // The command name is in parentheses and may hold spaces: the fields after it start at the last ')'.
    var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
    return (Ticks(long.Parse(fields[11]) + long.Parse(fields[12])), Ticks(long.Parse(fields[13]) + long.Parse(fields[14])), int.Parse(fields[1]));
}

// /proc counts in clock ticks, 100 a second on Linux.
static TimeSpan Ticks(long ticks) => TimeSpan.FromMilliseconds(ticks * 10);

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
