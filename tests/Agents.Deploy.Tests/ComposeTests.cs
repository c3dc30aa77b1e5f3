using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Agents.Deploy.Tests.Support;

namespace Agents.Deploy.Tests;

/// <summary>
/// docker-compose.yml: valid for docker-compose, and the invariants of the system on Compose (checked on the file
/// with its <c>&lt;&lt;: *anchor</c> merges resolved, and on what <c>docker-compose config</c> prints), not its text.
/// </summary>
public sealed partial class ComposeTests
{
    private const string ComposeFile = "docker-compose.yml";
    private const string FromFile = "docker-compose.yml";
    private const string FromConfig = "docker-compose config";
    private const string Install = "install it with `apt-get install -y docker-compose` (deploy/local/test.sh does it when it is missing)";

    public static TheoryData<string> Sources => new() { FromFile, FromConfig };

    // What `docker-compose config` prints: the file resolved (merges, relative paths); run once for all tests.
    private static readonly Lazy<ToolResult> ResolvedByCompose = new(() => RunCompose("config"));

    [Fact]
    public void Docker_compose_config_accepts_the_file()
    {
        var result = RunCompose("config", "-q");

        result.StdoutOrFail();
    }

    [Fact]
    public void The_project_name_if_any_is_a_valid_compose_project_name()
    {
        var name = Yaml.LoadAll(Repo.ReadText(ComposeFile)).Single().Str("name");

        Assert.True(name is null || ProjectName().IsMatch(name), $"{ComposeFile}: name '{name}' is not a valid project name (lower-case letters, digits, '-', '_')");
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void The_infrastructure_and_every_service_are_there(string source)
    {
        var services = Load(source);

        Assert.Contains("rabbitmq", services.Str("rabbitmq", "image") ?? "", StringComparison.Ordinal);
        Assert.Contains("management", services.Str("rabbitmq", "image") ?? "", StringComparison.Ordinal);
        Assert.StartsWith("postgres", services.Str("postgres", "image") ?? "", StringComparison.Ordinal);
        Assert.Contains("jaeger", services.Str("jaeger", "image") ?? "", StringComparison.Ordinal);
        Assert.Equal(Services.All.Order(StringComparer.Ordinal), DotnetServices(services).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Every_dotnet_service_is_built_from_its_project_with_the_shared_dockerfile(string source)
    {
        var services = Load(source);
        var problems = new List<string>();
        foreach (var name in Services.All)
        {
            var build = services.At(name, "build");
            var dockerfile = build.Str("dockerfile")?.Replace('\\', '/');
            var project = build.Str("args", "SERVICE") ?? ArgFromList(build.List("args"), "SERVICE");
            if (dockerfile is null || !(dockerfile == "deploy/Dockerfile" || dockerfile.EndsWith("/deploy/Dockerfile", StringComparison.Ordinal)))
            {
                problems.Add($"{name}: build.dockerfile is '{dockerfile}', not deploy/Dockerfile");
            }

            if (project != Services.Project(name))
            {
                problems.Add($"{name}: build arg SERVICE is '{project}', not {Services.Project(name)}");
            }
            else if (!File.Exists(Repo.PathOf($"services/{project}/{project}.csproj")))
            {
                problems.Add($"{name}: services/{project}/{project}.csproj does not exist");
            }
        }

        Assert.True(problems.Count == 0, $"{source}:\n{string.Join('\n', problems)}");
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Scalable_services_can_be_scaled_no_container_name_and_no_published_ports(string source)
    {
        var services = Load(source);

        // `docker compose up --scale investigation=3` (or reviewers=2) needs both: a fixed name or a host port exists once.
        var problems = Services.Scalable
            .SelectMany(name => new[]
            {
                services.At(name) is null ? $"{name}: not a service" : null,
                services.At(name, "container_name") is not null ? $"{name}: container_name" : null,
                services.At(name, "ports") is not null ? $"{name}: ports" : null,
            })
            .OfType<string>();

        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Every_dotnet_service_reaches_the_broker_and_has_the_workflow(string source)
    {
        var services = Load(source);
        var problems = new List<string>();
        foreach (var name in Services.All)
        {
            var env = Environment(services.At(name));
            var mounts = BindMounts(services.At(name));

            if (!env.TryGetValue("RABBITMQ_URL", out var url) || !Uri.TryCreate(url, UriKind.Absolute, out var broker) || broker.Host != "rabbitmq")
            {
                problems.Add($"{name}: RABBITMQ_URL '{url}' does not point at the rabbitmq service");
            }

            if (!DependsOn(services.At(name)).Contains("rabbitmq"))
            {
                problems.Add($"{name}: does not depend on rabbitmq");
            }

            if (Services.UsingPostgres.Contains(name)
                && !(env.GetValueOrDefault("POSTGRES_CONNECTION") ?? "").Contains("Host=postgres", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{name}: POSTGRES_CONNECTION does not point at the postgres service");
            }

            var workflowMount = mounts.FirstOrDefault(m => IsRepoFile(m.Source, "deploy/workflows.yaml"));
            if (!env.ContainsKey("Orchestrator__WorkflowPath") && workflowMount == default)
            {
                problems.Add($"{name}: neither Orchestrator__WorkflowPath nor a mount of deploy/workflows.yaml");
            }

            // Bind mounts (a path, not a named volume) must name something that exists in the repository.
            foreach (var (from, target) in mounts.Where(m => m.Source.StartsWith('.') || m.Source.StartsWith('/')))
            {
                if (!Path.Exists(ResolveSource(from)))
                {
                    problems.Add($"{name}: mounts {from} (at {target}), which does not exist");
                }
            }
        }

        Assert.True(problems.Count == 0, $"{source}:\n{string.Join('\n', problems)}");
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void The_orchestrator_reads_the_repositorys_workflow(string source)
    {
        var orchestrator = Load(source).At("orchestrator");
        var path = Environment(orchestrator).GetValueOrDefault("Orchestrator__WorkflowPath");
        var mounted = BindMounts(orchestrator).Where(m => IsRepoFile(m.Source, "deploy/workflows.yaml")).Select(m => m.Target);

        // Either deploy/workflows.yaml mounted where the setting points, or the image's copy of it (deploy/Dockerfile).
        Assert.True(path is not null && (mounted.Contains(path) || path == "/app/deploy/workflows.yaml"),
            $"{source}: Orchestrator__WorkflowPath '{path}' is neither a mount of deploy/workflows.yaml ({string.Join(", ", mounted)}) nor the image's /app/deploy/workflows.yaml");
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void The_api_publishes_its_port(string source)
    {
        var ports = Load(source).List("api", "ports");

        var targets = ports.Select(p => p is string s ? s.Split('/')[0].Split(':')[^1] : p.Str("target")).ToList();
        Assert.Contains(Services.Port.ToString(CultureInfo.InvariantCulture), targets);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void The_ingress_publishes_its_port_on_loopback_only(string source)
    {
        var mappings = Load(source).List(Services.Ingress, "ports").Select(PortMapping).ToList();

        // Its development credentials are in this file: only the host itself may reach it.
        Assert.Contains(Services.Port.ToString(CultureInfo.InvariantCulture), mappings.Select(m => m.Target));
        var exposed = mappings
            .Where(m => !(IPAddress.TryParse(m.HostIp?.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)))
            .Select(m => $"{m.HostIp ?? "every interface"} port {m.Published} -> {m.Target}");
        Assert.True(!exposed.Any(), $"{source}: the ingress publishes beyond the loopback interface:\n{string.Join('\n', exposed)}");
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void Every_published_port_is_bound_to_loopback(string source)
    {
        var services = Load(source);
        var problems = new List<string>();
        var published = 0;
        foreach (var (name, service) in services as IDictionary<object, object?> ?? new Dictionary<object, object?>())
        {
            foreach (var mapping in service.List("ports").Select(PortMapping))
            {
                published++;
                // Compose publishes on every interface (0.0.0.0 and ::) unless told an address: the whole network would
                // reach the broker, the database and the API with the development credentials of this file.
                if (!(IPAddress.TryParse(mapping.HostIp?.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)))
                {
                    problems.Add($"{name}: {mapping.HostIp ?? "every interface"} port {mapping.Published ?? "(any)"} -> {mapping.Target}");
                }
            }
        }

        Assert.True(published > 0, $"{source}: no published port at all: the check proves nothing");
        Assert.True(problems.Count == 0, $"{source}: ports published beyond the loopback interface (write them as \"127.0.0.1:HOST:CONTAINER\"):\n{string.Join('\n', problems)}");
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void No_dotnet_service_runs_in_the_development_environment(string source)
    {
        // Development is where a missing RABBITMQ_URL or POSTGRES_CONNECTION falls back to deploy/local's servers.
        var services = Load(source);
        var problems = Services.All
            .SelectMany(name => Environment(services.At(name))
                .Where(e => e.Key is "DOTNET_ENVIRONMENT" or "ASPNETCORE_ENVIRONMENT" && string.Equals(e.Value, "Development", StringComparison.OrdinalIgnoreCase))
                .Select(e => $"{name}: {e.Key}={e.Value}"));

        Assert.Empty(problems);
    }

    [Fact]
    public void The_ingress_sources_read_their_credentials_from_variables_with_long_enough_defaults()
    {
        var env = Environment(Load(FromFile).At(Services.Ingress));
        var problems = new List<string>();

        Assert.True(Services.IngressSources.Keys.All(env.ContainsKey),
            $"{ComposeFile}: the ingress lacks some of {string.Join(", ", Services.IngressSources.Keys)}");
        foreach (var (name, value) in env.Where(e => Services.IsIngressCredential(e.Key)))
        {
            // Ingress__Sources__pagerduty__Secret from ${INGRESS_PAGERDUTY_SECRET:-...}; the service refuses secrets
            // shorter than 16 characters, so a default must not be.
            var parts = name.Split("__");
            var variable = string.Join('_', new[] { "INGRESS", parts[2], parts[^1] }).ToUpperInvariant();
            var match = Interpolation().Match(value ?? "");
            if (!match.Success || match.Groups["name"].Value != variable)
            {
                problems.Add($"{name}: '{value}' is not ${{{variable}:-default}}");
            }
            else if (match.Groups["default"].Value.Length < 16)
            {
                problems.Add($"{name}: the default of {variable} has {match.Groups["default"].Value.Length} characters, fewer than 16");
            }
        }

        Assert.True(problems.Count == 0, $"{ComposeFile}:\n{string.Join('\n', problems)}");
    }

    private static object Load(string source)
    {
        var text = source == FromFile ? Repo.ReadText(ComposeFile) : ResolvedByCompose.Value.StdoutOrFail();
        var document = Yaml.ResolveMerges(Yaml.LoadAll(text).Single());
        return document.At("services") ?? throw new Xunit.Sdk.XunitException($"{source}: no services");
    }

    /// <summary>
    /// Runs docker-compose on the file from the repository root. Debian's docker-compose (1.29) predates the Compose
    /// Specification's top-level <c>name</c> (Compose v2 reads it) and refuses it, so that one key is left out of
    /// what it is given; <see cref="The_project_name_if_any_is_a_valid_compose_project_name"/> checks it instead.
    /// </summary>
    private static ToolResult RunCompose(params string[] command)
    {
        var compose = Tool.Require("docker-compose", Install);
        var text = TopLevelName().Replace(Repo.ReadText(ComposeFile), "");
        // Relative paths of a file read from stdin are taken from the working directory: the repository root.
        return Tool.Run(compose, ["-f", "-", .. command], Repo.Root, stdin: text);
    }

    private static IEnumerable<string> DotnetServices(object services) =>
        services is IDictionary<object, object?> map
            ? map.Where(s => (s.Value.Str("build", "dockerfile") ?? "").Replace('\\', '/').EndsWith("deploy/Dockerfile", StringComparison.Ordinal))
                .Select(s => (string)s.Key)
            : [];

    /// <summary>A service's environment, from the mapping form or the list-of-"KEY=value" form.</summary>
    private static Dictionary<string, string?> Environment(object? service)
    {
        if (service.Map("environment") is not null)
        {
            return service.StringMap("environment").ToDictionary(e => e.Key, e => e.Value);
        }

        return service.List("environment").OfType<string>()
            .Select(e => e.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : null);
    }

    /// <summary>A port mapping: short syntax "[host_ip:][published:]target[/protocol]" or long syntax.</summary>
    private static (string? HostIp, string? Published, string? Target) PortMapping(object? port)
    {
        if (port is not string text)
        {
            return (port.Str("host_ip"), port.Str("published"), port.Str("target"));
        }

        var mapping = text.Split('/')[0];
        string? hostIp = null;
        if (mapping.StartsWith('['))
        {
            var end = mapping.IndexOf("]:", StringComparison.Ordinal);
            (hostIp, mapping) = end < 0 ? (null, mapping) : (mapping[..(end + 1)], mapping[(end + 2)..]);
        }

        var parts = mapping.Split(':');
        return parts.Length switch
        {
            1 => (hostIp, null, parts[0]),
            2 => (hostIp, parts[0], parts[1]),
            _ => (parts[0], parts[1], parts[2]),
        };
    }

    private static string? ArgFromList(IReadOnlyList<object?> args, string name) =>
        args.OfType<string>().Select(a => a.Split('=', 2)).FirstOrDefault(p => p[0] == name && p.Length > 1)?[1];

    /// <summary>Host paths mounted into a service: short syntax "source:target[:mode]" or long syntax.</summary>
    private static List<(string Source, string Target)> BindMounts(object? service) =>
        service.List("volumes")
            .Select(v => v is string s ? ShortSyntax(s.Split(':')) : (v.Str("source") ?? "", v.Str("target") ?? ""))
            .Where(m => m.Item1.Length > 0)
            .ToList();

    // "target" alone is an anonymous volume: no source.
    private static (string Source, string Target) ShortSyntax(string[] parts) =>
        parts.Length >= 2 ? (parts[0], parts[1]) : ("", parts[0]);

    private static IReadOnlySet<string> DependsOn(object? service) =>
        (service.Map("depends_on")?.Keys.Select(k => (string)k)
         ?? service.List("depends_on").OfType<string>()).ToHashSet(StringComparer.Ordinal);

    private static string ResolveSource(string source) => Path.GetFullPath(source, Repo.Root);

    private static bool IsRepoFile(string source, string relative) =>
        string.Equals(ResolveSource(source), Path.GetFullPath(Repo.PathOf(relative)), StringComparison.Ordinal);

    [GeneratedRegex(@"^name:[^\n]*\n", RegexOptions.Multiline)]
    private static partial Regex TopLevelName();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex ProjectName();

    [GeneratedRegex(@"^\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*):?-(?<default>[^}]*)\}$")]
    private static partial Regex Interpolation();
}
