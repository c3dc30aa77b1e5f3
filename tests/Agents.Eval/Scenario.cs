using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Agents.Eval;

/// <summary>One scenario as written in <c>eval/scenarios/NAME/scenario.json</c> (the format: eval/README.md).</summary>
internal sealed record ScenarioFile
{
    public string? Description { get; init; }

    public required AlertSpec Alert { get; init; }

    /// <summary>When the alert fired in the scenario's own time; every time in the scenario is moved by the same amount to now.</summary>
    public required DateTimeOffset AlertAt { get; init; }

    public List<ServiceSpec> Services { get; init; } = [];

    /// <summary>Deploy events as CI/CD publishes them on the <c>deploys</c> exchange.</summary>
    public List<JsonObject> Deploys { get; init; } = [];

    public List<SeriesSpec> Prometheus { get; init; } = [];

    public List<LogSpec> Logs { get; init; } = [];

    /// <summary>The service's workload as the Kubernetes API shows it: its pods' container states and warning events.</summary>
    public List<WorkloadSpec> Kubernetes { get; init; } = [];

    public required Expectation Expect { get; init; }

    /// <summary>What a recorded incident concluded, step by step (set by the export; shown beside the replay's conclusion).</summary>
    public JsonObject? Recorded { get; init; }
}

internal sealed record AlertSpec
{
    /// <summary><c>alertmanager</c>, <c>pagerduty</c> or <c>generic</c> (docs/alert-formats.md).</summary>
    public required string Format { get; init; }

    /// <summary>The alert's JSON body in a file next to scenario.json; or <see cref="Body"/>.</summary>
    public string? File { get; init; }

    public JsonObject? Body { get; init; }
}

/// <summary>A service catalog entry of the scenario.</summary>
internal sealed record ServiceSpec
{
    public required string Name { get; init; }

    public string? Tier { get; init; }

    public List<string> DependsOn { get; init; } = [];
}

/// <summary>What Prometheus holds for a service: levels over time per signal, and/or explicit points (exports).</summary>
internal sealed record SeriesSpec
{
    public required string Service { get; init; }

    public Level? ErrorRatio { get; init; }

    public Level? LatencyP99 { get; init; }

    public Level? Saturation { get; init; }

    /// <summary>Explicit samples per signal (<c>error_ratio</c>, <c>latency_p99</c>, <c>saturation</c>).</summary>
    public Dictionary<string, List<PointSpec>> Points { get; init; } = [];
}

/// <summary>
/// A level: <see cref="Before"/> until <see cref="At"/>, then <see cref="After"/> (at once, or linearly over
/// <see cref="OverMinutes"/>); each sample times 1 + <see cref="Noise"/> × a seeded normal draw. With
/// <see cref="SwingMinutes"/> the level instead alternates between Before and After every that many minutes (flapping).
/// </summary>
internal sealed record Level
{
    public required double Before { get; init; }

    public double? After { get; init; }

    public DateTimeOffset? At { get; init; }

    public double OverMinutes { get; init; }

    public double Noise { get; init; } = 0.1;

    public double? SwingMinutes { get; init; }
}

internal sealed record PointSpec(DateTimeOffset At, double Value);

/// <summary>Error log lines of a service: <see cref="Count"/> copies, 20 s apart from <see cref="At"/>.</summary>
internal sealed record LogSpec
{
    public required string Service { get; init; }

    public required DateTimeOffset At { get; init; }

    public required string Line { get; init; }

    public int Count { get; init; } = 1;
}

/// <summary>A Deployment named after the service (namespace <c>eval</c>) with its pods and their warning events.</summary>
internal sealed record WorkloadSpec
{
    public required string Service { get; init; }

    public List<PodSpec> Pods { get; init; } = [];

    public List<EventSpec> Events { get; init; } = [];
}

/// <summary>A pod's one container: restarts, its last termination (e.g. <c>OOMKilled</c>) and when, a waiting reason.</summary>
internal sealed record PodSpec
{
    public int Restarts { get; init; }

    public string? LastTerminated { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public string? Waiting { get; init; }

    public string? WaitingMessage { get; init; }
}

/// <summary>A <c>Warning</c> event about the workload's <see cref="Pod"/>-th pod.</summary>
internal sealed record EventSpec
{
    public int Pod { get; init; }

    public required string Reason { get; init; }

    public required string Message { get; init; }

    public int Count { get; init; } = 1;

    public required DateTimeOffset First { get; init; }

    public DateTimeOffset? Last { get; init; }
}

/// <summary>What the agents should conclude.</summary>
internal sealed record Expectation
{
    public required string Severity { get; init; }

    /// <summary>The service the alert is about (triage) and, with a category, the root-cause service.</summary>
    public required string Service { get; init; }

    /// <summary>The hypothesis category; null when the workflow investigates nothing (a low-severity alert).</summary>
    public string? Category { get; init; }

    /// <summary>The suspect version, where a deploy is to blame.</summary>
    public string? Version { get; init; }

    /// <summary>The dependency that failed first, for the dependency category.</summary>
    public string? Dependency { get; init; }

    /// <summary>The runbook action id, or <c>none</c>.</summary>
    public string Action { get; init; } = "none";

    /// <summary>The incident's terminal status (Escalated, Closed, Resolved, Failed).</summary>
    public required string Outcome { get; init; }
}

/// <summary>A scenario made ready for this run: services renamed apart from other scenarios', times moved to now.</summary>
internal sealed partial class PreparedScenario
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Dictionary<string, string> _renames;

    private PreparedScenario(string name, string folder, ScenarioFile file, int index, TimeSpan shift, string runTag)
    {
        Name = name;
        Folder = folder;
        File = file;
        Shift = shift;
        Suffix = $"-e{index.ToString("00", CultureInfo.InvariantCulture)}";
        Fingerprint = $"ev{runTag}{index.ToString("x4", CultureInfo.InvariantCulture)}";
        var names = file.Services.Select(s => s.Name)
            .Concat(file.Services.SelectMany(s => s.DependsOn))
            .Concat(file.Prometheus.Select(p => p.Service))
            .Concat(file.Logs.Select(l => l.Service))
            .Concat(file.Kubernetes.Select(k => k.Service))
            .Concat(file.Deploys.Select(d => d["service"]?.GetValue<string>() ?? ""))
            .Append(file.Expect.Service)
            .Concat(file.Expect.Dependency is { } d ? [d] : [])
            .Where(n => n.Length > 0)
            .Distinct(StringComparer.Ordinal);
        _renames = names.ToDictionary(n => n, n => n + Suffix, StringComparer.Ordinal);
    }

    public string Name { get; }

    public string Folder { get; }

    public ScenarioFile File { get; }

    /// <summary>Added to every time of the scenario.</summary>
    public TimeSpan Shift { get; }

    /// <summary>Appended to each service name of the scenario for this run (scenarios share Prometheus and the deploy log).</summary>
    public string Suffix { get; }

    /// <summary>The alert's fingerprint in this run.</summary>
    public string Fingerprint { get; }

    public DateTimeOffset AlertAt => File.AlertAt + Shift;

    public static async Task<PreparedScenario> Load(string folder, int index, DateTimeOffset alertAt, string runTag)
    {
        var path = Path.Combine(folder, "scenario.json");
        var file = JsonSerializer.Deserialize<ScenarioFile>(await System.IO.File.ReadAllTextAsync(path), Json)
            ?? throw new InvalidDataException($"{path} is empty");
        if (file.Alert.Format is not ("alertmanager" or "pagerduty" or "generic"))
        {
            throw new InvalidDataException($"{path}: alert.format must be alertmanager, pagerduty or generic, not '{file.Alert.Format}'");
        }

        if ((file.Alert.File is null) == (file.Alert.Body is null))
        {
            throw new InvalidDataException($"{path}: give the alert as exactly one of alert.file and alert.body");
        }

        var shift = TimeSpan.FromSeconds(Math.Round((alertAt - file.AlertAt).TotalSeconds));
        return new PreparedScenario(Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/')), folder, file, index, shift, runTag);
    }

    /// <summary>The name of <paramref name="service"/> in this run.</summary>
    public string Renamed(string service) => _renames.GetValueOrDefault(service, service);

    /// <summary>A name of this run back as the scenario wrote it.</summary>
    public string Original(string? service) =>
        service is null ? "" : service.EndsWith(Suffix, StringComparison.Ordinal) ? service[..^Suffix.Length] : service;

    /// <summary>The alert body to publish: service names renamed, times moved, the fingerprint of this run.</summary>
    public async Task<string> AlertBody()
    {
        var body = File.Alert.Body?.DeepClone() ?? JsonNode.Parse(await System.IO.File.ReadAllTextAsync(Path.Combine(Folder, File.Alert.File!)))!;
        var rewritten = Rewrite(body)!;
        switch (File.Alert.Format)
        {
            case "alertmanager":
                foreach (var alert in rewritten["alerts"]!.AsArray())
                {
                    alert!["fingerprint"] = Fingerprint;
                }

                break;
            case "pagerduty":
                rewritten["event"]!["data"]!["id"] = Fingerprint;
                break;
            default:
                rewritten["fingerprint"] = Fingerprint;
                break;
        }

        return rewritten.ToJsonString();
    }

    /// <summary>The deploy events to publish, renamed and moved.</summary>
    public IEnumerable<string> DeployBodies() => File.Deploys.Select(d => Rewrite(d.DeepClone())!.ToJsonString());

    public IEnumerable<LogSpec> Logs() => File.Logs.Select(l => l with { Service = Renamed(l.Service), At = l.At + Shift });

    /// <summary>Every string in <paramref name="node"/>: each service name (a whole word) renamed, an ISO-8601 time moved.</summary>
    private JsonNode? Rewrite(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    if (value is JsonValue v && v.TryGetValue<string>(out var text))
                    {
                        o[key] = RewriteText(text);
                    }
                    else
                    {
                        Rewrite(value);
                    }
                }

                return o;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is JsonValue v && v.TryGetValue<string>(out var text))
                    {
                        a[i] = RewriteText(text);
                    }
                    else
                    {
                        Rewrite(a[i]);
                    }
                }

                return a;
            case JsonValue v when v.TryGetValue<string>(out var text):
                return JsonValue.Create(RewriteText(text));
            default:
                return node;
        }
    }

    private string RewriteText(string text)
    {
        if (IsoTime().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && time.Year > 1900)
        {
            return (time + Shift).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        foreach (var (from, to) in _renames.OrderByDescending(r => r.Key.Length))
        {
            text = Regex.Replace(text, $@"(?<![A-Za-z0-9_.-]){Regex.Escape(from)}(?![A-Za-z0-9_-])", to);
        }

        return text;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")]
    private static partial Regex IsoTime();
}
