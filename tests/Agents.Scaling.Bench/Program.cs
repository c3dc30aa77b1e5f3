// Scaling one agent: the investigation step made slow (Agent__ThinkTime, default 500 ms, one command at a time per
// process), run on 1, 2 and 4 processes against one orchestrator and one of every other service. For each count, three
// batches of alerts published at once; a batch's step throughput is its investigations divided by the time from the
// first investigation dispatched to the last hypothesis written (from the incidents' timelines), and each process's
// share comes from its own /metrics.
//
//   dotnet run -c Release --project tests/Agents.Scaling.Bench -- [incidents per batch=24] [think time ms=500] [counts=1,2,4]
//
// Needs what deploy/local/deps.sh env prints (RabbitMQ with management, PostgreSQL) and a Release build.
using System.Globalization;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.EndToEnd.Tests;
using Agents.Testing;

var batch = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 24;
var thinkMs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500;
var counts = args.Length > 2 ? args[2].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray() : [1, 2, 4];
const int Batches = 3;
const string Step = IncidentSteps.Investigation;

var alert = await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "samples", "alertmanager-firing.json"));
var deploy = await File.ReadAllTextAsync(Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "samples", "deploy-auth-service.json"));

await using var system = await BenchSystem.Start("scaling", [], BenchSystem.AllServices.Where(s => s != Step).ToList());
await system.Publish(AgentQueues.DeploysExchange, deploy);
var slow = new Dictionary<string, string>
{
    ["Agent__ThinkTime"] = TimeSpan.FromMilliseconds(thinkMs).ToString("c", CultureInfo.InvariantCulture),
    ["Messaging__ConcurrentMessageLimit"] = "1",
    ["Messaging__PrefetchCount"] = "1",
};

Console.WriteLine($"investigation: think time {thinkMs} ms, 1 command at a time per process; {Batches} batches of {batch} incidents per count");
var medians = new Dictionary<int, double>();
foreach (var count in counts)
{
    await system.StopProcesses(Step);
    await system.StartProcesses(Enumerable.Repeat(Step, count), slow);
    var throughputs = new List<double>();
    var shares = new long[count];
    for (var run = 0; run < Batches; run++)
    {
        var before = await Scrape();
        var fingerprints = Enumerable.Range(0, batch).Select(_ => $"scale{Guid.NewGuid():N}"[..16]).ToList();
        await Task.WhenAll(fingerprints.Select(f => system.Publish(AgentQueues.AlertsExchange, alert.Replace("a3f1c2d4e5b60718", f, StringComparison.Ordinal))));
        var incidents = await system.WaitAllEnded(fingerprints, TimeSpan.FromMinutes(5));
        // Every service is in the default dry-run mode: an incident that ran every step ends handed to a human.
        if (incidents.FirstOrDefault(i => i.Summary.Status != IncidentStatuses.Escalated
            || i.EscalationReason?.StartsWith(Agents.Contracts.Remediation.RemediationEscalations.HumanActionRequired, StringComparison.Ordinal) != true) is { } odd)
        {
            throw new InvalidOperationException($"incident {odd.Summary.IncidentId} ended {odd.Summary.Status}: {odd.EscalationReason}");
        }

        var first = incidents.Min(i => i.Timeline.First(t => t.Step == Step && t.Event == "dispatched").At);
        var last = incidents.Max(i => i.Timeline.First(t => t.Step == Step && t.Event == "hypothesis segment written").At);
        throughputs.Add(batch / (last - first).TotalSeconds);
        var after = await Scrape();
        for (var i = 0; i < count; i++)
        {
            shares[i] += (long)(after[i] - before[i]);
        }
    }

    throughputs.Sort();
    medians[count] = throughputs[Batches / 2];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"investigation x{count}: step throughput median {medians[count]:0.00}/s (batches {string.Join(", ", throughputs.Select(t => t.ToString("0.00", CultureInfo.InvariantCulture)))}); commands per process: {string.Join(", ", shares)}"));
}

var baseline = medians[counts[0]];
Console.WriteLine("throughput relative to x" + counts[0] + ": "
    + string.Join(", ", counts.Select(c => string.Create(CultureInfo.InvariantCulture, $"x{c} {medians[c] / baseline:0.00}"))));

// The decisions each investigation process has made so far, from its own /metrics.
async Task<double[]> Scrape()
{
    var result = new List<double>();
    foreach (var address in system.Addresses(Step))
    {
        var text = await PrometheusText.Scrape([address]);
        result.Add(text.Sum("agents_agent_work_duration_seconds_count", ("agent_name", Step)));
    }

    return [.. result];
}
