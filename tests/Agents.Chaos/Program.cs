// The chaos run (deploy/local/chaos.sh): INCIDENTS alerts sent to the ingress as Alertmanager sends them, each for a
// service of its own that a deploy just broke, in mode auto (rolled back for real on a fake Kubernetes API server,
// verified on a real Prometheus scraping an exporter whose error ratio falls once the rollback was applied, paged
// through a fake PagerDuty). While the alerts go in, every service is killed with SIGKILL and started again in turn
// (both orchestrators, the scheduler, every agent, the API, the ingress), then RabbitMQ and PostgreSQL themselves.
// At the end it counts, from the store, the fakes and the broker: incidents terminal, lost, duplicate executions,
// duplicate pages, and every message in an error queue with its reason. Exit code 1 when anything was lost, stuck or
// duplicated.
//
//   dotnet run -c Release --project tests/Agents.Chaos -- [incidents=1000] [alerts per second=5]
//
// Needs what deploy/local/deps.sh env prints for servers it may kill (chaos.sh starts a pair of its own), AGENTS_DEPS
// (the deps.sh to restart them with) and a Release build of the services.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Agents.Chaos;
using Agents.Contracts.Incidents;
using Agents.EndToEnd.Tests;

var incidents = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var perSecond = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var deps = Environment.GetEnvironmentVariable("AGENTS_DEPS") ?? Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "local", "deps.sh");
var clock = Stopwatch.StartNew();
void Say(string line) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:0.0}s] {line}"));

var services = Enumerable.Range(0, incidents).Select(i => string.Create(CultureInfo.InvariantCulture, $"chaos-{i:0000}")).ToList();
await using var world = await ChaosWorld.Start(services);
Say($"fakes ready: Kubernetes {world.Kubernetes.Url}, PagerDuty {world.PagerDuty.BaseUrl}, Prometheus {world.Prometheus.Address}");
await using var system = await ChaosSystem.Start(world, deps);
Say($"{system.ProcessCount} processes ready; database {system.DatabaseName}");

// Every service was deployed 9 minutes ago; its alert comes during the run.
await system.PublishDeploys(services, DateTimeOffset.UtcNow.AddMinutes(-9));
Say($"{services.Count} deploy events consumed");

var faults = new[] { "orchestrator#0", "orchestrator#1", "scheduler", "triage", "context", "investigation", "remediation", "notification", "api", "ingress", "rabbitmq", "postgres" };
var accepted = new ConcurrentQueue<(string Service, string Fingerprint)>();
var sending = Task.Run(async () =>
{
    var pace = Stopwatch.StartNew();
    for (var i = 0; i < services.Count; i++)
    {
        var due = TimeSpan.FromSeconds(i / perSecond) - pace.Elapsed;
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due);
        }

        var fingerprint = $"chaos{Guid.NewGuid():N}"[..21];
        await system.SendAlert(services[i], fingerprint);
        accepted.Enqueue((services[i], fingerprint));
    }
});

// The faults, one after another, spread over the sending: fault k once k/(faults+1) of the alerts are in.
var faultLog = new List<string>();
for (var k = 0; k < faults.Length; k++)
{
    var threshold = (k + 1) * services.Count / (faults.Length + 1);
    while (accepted.Count < threshold && !sending.IsCompleted)
    {
        await Task.Delay(100);
    }

    var took = Stopwatch.StartNew();
    await system.Fault(faults[k]);
    var line = string.Create(CultureInfo.InvariantCulture, $"killed {faults[k]} (SIGKILL) at {accepted.Count} of {services.Count} alerts sent; back and ready in {took.Elapsed.TotalSeconds:0.0}s");
    faultLog.Add(line);
    Say(line);
}

await sending;
Say($"all {accepted.Count} alerts accepted by the ingress ({system.IngressRetries} sends retried while it or the broker was down)");

// Settle: every incident ends, or the deadline passes.
var settle = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("CHAOS_SETTLE_SECONDS") ?? "600", CultureInfo.InvariantCulture));
var sent = accepted.ToList();
var outcome = await system.WaitEnded(sent.Select(a => a.Fingerprint).ToList(), settle, progress => Say(progress));
Say($"settled in {clock.Elapsed.TotalSeconds:0}s of run");

// The figures.
var terminal = outcome.Count(o => o.Value is { } s && IncidentStatuses.Terminal.Contains(s.Status));
var lost = sent.Count(a => !outcome.ContainsKey(a.Fingerprint) || outcome[a.Fingerprint] is null);
var stuck = sent.Where(a => outcome.GetValueOrDefault(a.Fingerprint) is { } s && !IncidentStatuses.Terminal.Contains(s.Status)).ToList();
var duplicateIncidents = outcome.Values.Sum(o => o is null ? 0 : o.Count - 1);
var applied = world.Kubernetes.Applied.Where(m => m.Resource == "deployments").GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Count());
var duplicateExecutions = applied.Values.Sum(n => n - 1);
var ledger = await system.LedgerCounts();
var pages = world.PagerDuty.Alerts;
// PagerDuty pages once per alert: a trigger with the dedup key of an alert still open joins it (the notification agent
// sends a page again after a kill mid-delivery, relying on that); a second alert for one incident is a second page.
var duplicatePages = pages.GroupBy(p => p.DedupKey).Sum(g => g.Count() - 1);
var joined = pages.Sum(p => p.Triggers - 1);

Console.WriteLine();
Console.WriteLine("faults:");
foreach (var line in faultLog)
{
    Console.WriteLine($"  {line}");
}

Console.WriteLine("outcomes:");
foreach (var group in outcome.Values.Where(o => o is not null).GroupBy(o => $"{o!.Status}{(o.Reason is { } r ? $" ({Shorten(r)})" : "")}").OrderByDescending(g => g.Count()))
{
    Console.WriteLine($"  {group.Count(),5}  {group.Key}");
}

foreach (var (service, fingerprint) in stuck.Take(20))
{
    var state = outcome[fingerprint]!;
    Console.WriteLine($"  not ended: {service} ({fingerprint}) {state.Status}, {state.Step} attempt {state.Attempt}");
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"executions: {applied.Values.Sum()} rollbacks applied on {applied.Count} deployments; ledger rows {ledger.Total} ({ledger.Detail})"));
Console.WriteLine($"pages: {pages.Count} PagerDuty alerts, {pages.Sum(p => p.Triggers)} triggers ({joined} sent again after a kill and joined to the open alert by its dedup key: not a second page)");
Console.WriteLine($"duplicate incidents: {duplicateIncidents}");
foreach (var line in duplicateIncidents == 0 ? [] : await system.DuplicateIncidents(sent.Select(a => a.Fingerprint).ToList()))
{
    Console.WriteLine($"  {line}");
}

var errors = await system.ErrorQueues();
Console.WriteLine($"error queues: {errors.Sum(q => q.Messages.Count)} message(s)");
foreach (var queue in errors)
{
    Console.WriteLine($"  {queue.Name}: {queue.Messages.Count}");
    foreach (var message in queue.Messages.GroupBy(m => m).OrderByDescending(g => g.Count()))
    {
        Console.WriteLine($"    {message.Count(),4} × {message.Key}");
        Console.WriteLine($"           {Explain(message.Key)}");
    }
}

Console.WriteLine($"terminal: {terminal} of {sent.Count}");
Console.WriteLine($"lost: {lost}");
Console.WriteLine($"duplicate executions: {duplicateExecutions}");
Console.WriteLine($"duplicate pages: {duplicatePages}");
return terminal == sent.Count && lost == 0 && duplicateExecutions == 0 && duplicatePages == 0 && duplicateIncidents == 0 ? 0 : 1;

// What an on-call engineer should make of an error-queue message the run left behind.
static string Explain(string message) => message switch
{
    _ when message.Contains("SocketException", StringComparison.Ordinal) || message.Contains("NpgsqlException", StringComparison.Ordinal)
        || message.Contains("BrokerUnreachable", StringComparison.Ordinal) || message.Contains("Connection refused", StringComparison.Ordinal) =>
        "a server was down longer than the consumer's retries (5 over about 10 s) while it restarted; the message was parked, not lost: "
        + "its incident went on through the step's timeout or the overdue sweep (replay it from the dead-letter API if you want it handled)",
    _ when message.Contains("Fault of", StringComparison.Ordinal) =>
        "an agent's fault report about the message above it, parked with it",
    _ => "unexpected: look at the message body and the service's log",
};

static string Shorten(string reason)
{
    var cut = reason.IndexOfAny([':', '(']);
    return cut > 0 ? reason[..cut].Trim() : reason.Length > 60 ? reason[..60] : reason;
}
