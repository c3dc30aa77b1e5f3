// The evaluation suite's runner (eval/README.md): runs scenario folders through the real agent services (every service its
// own process, on a virtual host and database of their own; rule brains, or a model when Llm__* configures one), scores
// each agent's conclusion against the scenario's expectation, and prints accuracy per agent and category, a confusion
// table of categories, time and tokens per scenario; a scenario with a recorded conclusion (an exported incident) is shown
// step by step beside the new one. Writes a JSON report. Last line: `overall: NN.N%`.
//
//   dotnet run -c Release --project tests/Agents.Eval -- [--report FILE] [--min-accuracy N] [--export DIR [--replay-exports]] [FOLDER...]
//
// A FOLDER holding scenario.json is one scenario; any other folder stands for each of its sub-folders that holds one
// (default: eval/scenarios). --export writes each finished incident as exported by GET /incidents/{id}/scenario into
// DIR/NAME/scenario.json; --replay-exports then replays DIR on a fresh system and prints, step by step, where the new
// conclusion differs from the recorded one. Exit codes: 0 done (and overall >= N), 1 could not run, 3 overall below N.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Agents.Contracts;
using Agents.Contracts.Incidents;
using Agents.EndToEnd.Tests;
using Agents.Eval;
using Agents.Testing;
using Npgsql;

var folders = new List<string>();
var report = Path.Combine(Environment.GetEnvironmentVariable("AGENTS_STATE_DIR") ?? Path.Combine(TestEnvironment.RepositoryRoot, ".local"), "eval", "report.json");
var minimum = 0.0;
string? export = null;
var replay = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--report" when i + 1 < args.Length:
            report = args[++i];
            break;
        case "--min-accuracy" when i + 1 < args.Length:
            minimum = double.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--export" when i + 1 < args.Length:
            export = Path.GetFullPath(args[++i]);
            break;
        case "--replay-exports":
            replay = true;
            break;
        default:
            folders.Add(args[i]);
            break;
    }
}

if (folders.Count == 0)
{
    folders.Add(Path.Combine(TestEnvironment.RepositoryRoot, "eval", "scenarios"));
}

if (replay && export is null)
{
    Console.Error.WriteLine("eval: --replay-exports needs --export DIR");
    return 1;
}

try
{
    var clock = Stopwatch.StartNew();
    var suite = await RunBatch(folders.SelectMany(Expand).Distinct().ToList(), export);
    Print("scenarios", suite);
    var json = Scoring.Report(suite, clock.Elapsed.TotalSeconds, Brains());
    if (replay)
    {
        // Each finished incident, exported through the API, replayed against the same agents: step by step as recorded?
        var replayed = await RunBatch(Expand(export!).ToList(), null);
        Print("replay of the exported incidents", replayed);
        var same = replayed.Count(r => r.Right);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"replay: {Scoring.Percent(same, replayed.Count):0.0}% of {replayed.Count} exported incidents concluded as recorded"));
        json["replay"] = Scoring.Report(replayed, clock.Elapsed.TotalSeconds, Brains());
    }

    json["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(report))!);
    await File.WriteAllTextAsync(report, json.ToJsonString(PreparedScenario.Json));
    var overall = Scoring.Percent(suite.Count(r => r.Right), suite.Count);
    Console.WriteLine($"report: {Path.GetFullPath(report)}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"time: {clock.Elapsed.TotalSeconds:0.0} s"));
    if (overall < minimum)
    {
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"eval: overall {overall:0.0}% is below the required {minimum:0.0}%"));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"overall: {overall:0.0}%"));
    return overall < minimum ? 3 : 0;
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    Console.Error.WriteLine($"eval: could not run: {e}");
    return 1;
}

static string Brains() => string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("Llm__Endpoint")) ? "rules" : "model (Llm__Endpoint)";

// Runs scenario folders on a system of their own; with exportDir, writes each finished incident's export there.
static async Task<List<ScenarioResult>> RunBatch(List<string> scenarioFolders, string? exportDir)
{
    var clock = Stopwatch.StartNew();
    if (scenarioFolders.Count == 0)
    {
        throw new InvalidOperationException("no scenario.json found in the folders given");
    }

    // Every scenario's alert fires two minutes ago; its history ends 20 s ago (samples must lie before "now").
    var now = DateTimeOffset.UtcNow;
    var alertAt = DateTimeOffset.FromUnixTimeSeconds(now.AddMinutes(-2).ToUnixTimeSeconds() / 15 * 15);
    var runTag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    var scenarios = new List<PreparedScenario>();
    for (var i = 0; i < scenarioFolders.Count; i++)
    {
        scenarios.Add(await PreparedScenario.Load(scenarioFolders[i], i, alertAt, runTag));
    }

    Console.WriteLine($"eval: {scenarios.Count} scenarios, brains: {Brains()}");
    var from = alertAt - TimeSpan.FromMinutes(140);
    var to = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddSeconds(-20).ToUnixTimeSeconds() / 15 * 15);
    await using var telemetry = await Telemetry.Start(scenarios, from, to);
    Console.WriteLine($"eval: telemetry ready after {clock.Elapsed.TotalSeconds:0.0} s (Prometheus {telemetry.PrometheusUrl}, logs {telemetry.LokiUrl})");

    var catalog = Path.Combine(Path.GetTempPath(), $"agents-eval-{runTag}-services.yaml");
    await File.WriteAllTextAsync(catalog, Catalog(scenarios));
    var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
    try
    {
        await using var system = await BenchSystem.Start("eval", new Dictionary<string, string>
        {
            ["Catalog__Path"] = catalog,
            ["Context__Sources__Prometheus__Url"] = telemetry.PrometheusUrl.ToString(),
            ["Context__Sources__Loki__Url"] = telemetry.LokiUrl.ToString(),
            ["Context__Sources__Kubernetes__Url"] = telemetry.Kubernetes.Url.ToString(),
            ["Context__Sources__Kubernetes__Token"] = FakeKubernetesApi.DefaultToken,
            ["Remediation__Kubernetes__Url"] = telemetry.Kubernetes.Url.ToString(),
            ["Remediation__Kubernetes__Token"] = FakeKubernetesApi.DefaultToken,
            ["Auth__ApiKeys__eval__Hash"] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))),
            ["Auth__ApiKeys__eval__Role"] = "admin",
            ["Auth__ApiKeys__eval__PermitsPerSecond"] = "100000",
            ["Auth__ApiKeys__eval__Burst"] = "100000",
        });
        Console.WriteLine($"eval: services up after {clock.Elapsed.TotalSeconds:0.0} s");
        using var api = new HttpClient { BaseAddress = system.Addresses("api")[0], Timeout = TimeSpan.FromSeconds(15) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        // Deploy events first, the way CI/CD reports them; the alerts only once the deploy log holds them all.
        var deploys = scenarios.SelectMany(s => s.DeployBodies()).ToList();
        foreach (var deploy in deploys)
        {
            await system.Publish(AgentQueues.DeploysExchange, deploy);
        }

        await WaitDeploysStored(system.DatabaseConnection, deploys.Count, TimeSpan.FromSeconds(60));

        var published = new Dictionary<string, DateTimeOffset>();
        foreach (var scenario in scenarios)
        {
            published[scenario.Fingerprint] = DateTimeOffset.UtcNow;
            await system.Publish(AgentQueues.AlertsExchange, await scenario.AlertBody());
        }

        var ended = await WaitEnded(api, scenarios, TimeSpan.FromSeconds(Math.Max(120, scenarios.Count * 4)));
        var results = scenarios.Select(s =>
        {
            var (details, error) = ended.GetValueOrDefault(s.Fingerprint, (null, "did not end in time"));
            var seconds = details is null ? 0 : (details.Summary.UpdatedAt - published[s.Fingerprint]).TotalSeconds;
            return Scoring.Score(s, details, seconds, error);
        }).ToList();

        if (exportDir is not null)
        {
            foreach (var result in results.Where(r => r.Details is not null))
            {
                var folder = Path.Combine(exportDir, result.Scenario.Name);
                Directory.CreateDirectory(folder);
                var exported = await api.GetStringAsync($"incidents/{result.Details!.Summary.IncidentId}/scenario");
                await File.WriteAllTextAsync(Path.Combine(folder, "scenario.json"), JsonNode.Parse(exported)!.ToJsonString(PreparedScenario.Json));
            }

            Console.WriteLine($"eval: exported {results.Count(r => r.Details is not null)} incidents to {exportDir}");
        }

        return results;
    }
    finally
    {
        File.Delete(catalog);
    }
}

static IEnumerable<string> Expand(string folder)
{
    if (!Directory.Exists(folder))
    {
        throw new DirectoryNotFoundException($"no folder {folder}");
    }

    if (File.Exists(Path.Combine(folder, "scenario.json")))
    {
        return [Path.GetFullPath(folder)];
    }

    return Directory.GetDirectories(folder).Where(d => File.Exists(Path.Combine(d, "scenario.json"))).Order(StringComparer.Ordinal).Select(Path.GetFullPath);
}

// The service catalog of the run: the telemetry templates, then every scenario's services under their names of this run.
static string Catalog(IReadOnlyList<PreparedScenario> scenarios)
{
    var text = new StringBuilder(Telemetry.CatalogDefaults).Append("\nservices:\n");
    var listed = 0;
    foreach (var scenario in scenarios)
    {
        var workloads = scenario.File.Kubernetes.Select(k => k.Service).ToHashSet(StringComparer.Ordinal);
        var unlisted = workloads.Where(w => scenario.File.Services.All(s => s.Name != w)).Select(w => new ServiceSpec { Name = w });
        foreach (var service in scenario.File.Services.Concat(unlisted))
        {
            listed++;
            var name = scenario.Renamed(service.Name);
            text.Append("  - name: ").Append(name).Append('\n');
            text.Append("    tier: ").Append(service.Tier ?? "standard").Append('\n');
            if (service.DependsOn.Count > 0)
            {
                text.Append("    dependsOn: [").AppendJoin(", ", service.DependsOn.Select(scenario.Renamed)).Append("]\n");
            }

            if (workloads.Contains(service.Name))
            {
                text.Append("    kubernetes: { namespace: ").Append(Telemetry.Namespace).Append(", workload: deployment/").Append(name).Append(" }\n");
            }
        }
    }

    return listed == 0 ? text.Append("  []\n").ToString() : text.ToString();
}

static async Task WaitDeploysStored(string connection, int count, TimeSpan timeout)
{
    var deadline = Stopwatch.StartNew();
    await using var data = NpgsqlDataSource.Create(connection);
    long stored = 0;
    while (deadline.Elapsed < timeout)
    {
        try
        {
            await using var command = data.CreateCommand("SELECT count(*) FROM deploy_events");
            stored = (long)(await command.ExecuteScalarAsync())!;
            if (stored >= count)
            {
                return;
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // The context service creates the table at start-up.
        }

        await Task.Delay(200);
    }

    throw new TimeoutException($"the deploy log holds {stored} of {count} deploy events after {timeout}");
}

static async Task<Dictionary<string, (IncidentDetails?, string?)>> WaitEnded(HttpClient api, IReadOnlyList<PreparedScenario> scenarios, TimeSpan timeout)
{
    var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
    var ended = new Dictionary<string, (IncidentDetails?, string?)>();
    var deadline = Stopwatch.StartNew();
    while (deadline.Elapsed < timeout && ended.Count < scenarios.Count)
    {
        foreach (var scenario in scenarios.Where(s => !ended.ContainsKey(s.Fingerprint)))
        {
            var list = await api.GetFromJsonAsync<List<IncidentSummary>>($"incidents?fingerprint={scenario.Fingerprint}", json);
            if (list is [var incident, ..] && IncidentStatuses.Terminal.Contains(incident.Status))
            {
                ended[scenario.Fingerprint] = (await api.GetFromJsonAsync<IncidentDetails>($"incidents/{incident.IncidentId}", json), null);
            }
        }

        await Task.Delay(250);
    }

    return ended;
}

static void Print(string title, IReadOnlyList<ScenarioResult> results)
{
    var brains = Brains();
    var width = Math.Max(20, results.Max(r => r.Scenario.Name.Length));
    Console.WriteLine();
    Console.WriteLine($"== {title}");
    Console.WriteLine($"{"scenario".PadRight(width)}  {"expected",-12} {"concluded",-12} {"status",-10} {"time",7} {"tokens",7}  result");
    foreach (var r in results)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Scenario.Name.PadRight(width)}  {r.ExpectedCategory,-12} {r.ConcludedCategory,-12} {r.Status,-10} {r.Seconds,6:0.0}s {r.Tokens,7}  {(r.Right ? "ok" : "WRONG")}"));
        foreach (var check in r.Checks.Where(c => c.Applies && !c.Right))
        {
            foreach (var difference in check.Differences)
            {
                Console.WriteLine($"    {check.Agent}: {difference}");
            }
        }

        if (r.Scenario.File.Recorded is not null)
        {
            Console.WriteLine("  replay against the recorded conclusion:");
            foreach (var line in Scoring.ReplayLines(r))
            {
                Console.WriteLine(line);
            }
        }
    }

    Console.WriteLine();
    Console.WriteLine($"accuracy per agent ({brains}):");
    foreach (var agent in Scoring.Agents)
    {
        var applied = results.SelectMany(r => r.Checks).Where(c => c.Agent == agent && c.Applies).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {agent,-14} {Scoring.Percent(applied.Count(c => c.Right), applied.Count),5:0.0}%  ({applied.Count(c => c.Right)}/{applied.Count})"));
    }

    Console.WriteLine("accuracy per category (whole scenario right):");
    foreach (var group in results.GroupBy(r => r.ExpectedCategory).OrderBy(g => g.Key, StringComparer.Ordinal))
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {group.Key,-14} {Scoring.Percent(group.Count(r => r.Right), group.Count()),5:0.0}%  ({group.Count(r => r.Right)}/{group.Count()})"));
    }

    var categories = results.Select(r => r.ExpectedCategory).Concat(results.Select(r => r.ConcludedCategory)).Distinct().Order(StringComparer.Ordinal).ToList();
    Console.WriteLine("confusion (rows: expected category, columns: concluded):");
    Console.WriteLine($"  {"",-14}" + string.Concat(categories.Select(c => $" {Abbreviate(c),8}")));
    foreach (var expected in categories.Where(c => results.Any(r => r.ExpectedCategory == c)))
    {
        Console.WriteLine($"  {expected,-14}" + string.Concat(categories.Select(c => $" {results.Count(r => r.ExpectedCategory == expected && r.ConcludedCategory == c),8}")));
    }

    var times = results.Select(r => r.Seconds).Order().ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"per scenario: time p50 {times[times.Count / 2]:0.0} s, max {times[^1]:0.0} s; tokens {results.Sum(r => r.Tokens)} in all"));

    static string Abbreviate(string c) => c.Length <= 8 ? c : c[..8];
}
