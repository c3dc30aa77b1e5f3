using System.Text.RegularExpressions;
using Agents.Contracts;

namespace Agents.Deploy.Tests.Support;

/// <summary>What the deployment files must agree on: the services, their queues, their health endpoints.</summary>
internal static partial class Services
{
    /// <summary>The incident agents: each consumes the queue of its name, and its Deployment has that name too.</summary>
    public static readonly IReadOnlyList<string> Agents =
        [AgentQueues.Triage, AgentQueues.Context, AgentQueues.Investigation, AgentQueues.Remediation, AgentQueues.Notification];

    /// <summary>
    /// The deliberation participants' services and the queues each consumes: one service per claim-adjudication
    /// participant (queue of its name), one service <c>reviewers</c> for the three incident-approval reviewers.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> ParticipantServices =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["policy"] = [Participants.Policy],
            ["coding"] = [Participants.Coding],
            ["medical"] = [Participants.Medical],
            ["reviewers"] = [Participants.Safety, Participants.ChangePolicy, Participants.BlastRadius],
        };

    /// <summary>
    /// The plug-in agents the repository ships (docs/plugin-agents.md): each consumes the queue of its name (a workflow
    /// step's <c>agent:</c>), and its service and Deployment have that name too.
    /// </summary>
    public static readonly IReadOnlyList<string> PluginAgents = ["change-freeze"];

    /// <summary>
    /// The scalable services (agents, plug-in agents and participants), each with the queues it consumes: its Deployment
    /// has the service's name and is autoscaled on those queues. An incident or plug-in agent consumes the queue of its name.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Queues =
        Agents.Concat(PluginAgents).Select(agent => KeyValuePair.Create(agent, (IReadOnlyList<string>)[agent]))
            .Concat(ParticipantServices)
            .ToDictionary(StringComparer.Ordinal);

    /// <summary>The services KEDA scales on their queues: no container name and no host port on Compose.</summary>
    public static readonly IReadOnlyList<string> Scalable = [.. Queues.Keys];

    /// <summary>
    /// The webhook front door: it publishes what senders POST to the exchange alerts and consumes nothing, so an
    /// HPA scales it on CPU, not KEDA on a queue. RabbitMQ only.
    /// </summary>
    public const string Ingress = "ingress";

    /// <summary>Every service: one image (deploy/Dockerfile, SERVICE=Agents.&lt;Name&gt;) and one Deployment each.</summary>
    public static readonly IReadOnlyList<string> All = ["orchestrator", "scheduler", "api", Ingress, .. Scalable];

    /// <summary>
    /// The services with a database connection (the API for its audit trail and the kill switch, the notification agent
    /// for its delivery ledger, the remediation agent for its execution ledger); the others use none.
    /// </summary>
    public static readonly IReadOnlyList<string> UsingPostgres = ["orchestrator", "context", "scheduler", "api", "notification", "remediation"];

    /// <summary>
    /// The services whose schema is migrated before they start, by an init container <c>migrate</c> of their
    /// Deployment that runs <c>dotnet &lt;project&gt;.dll migrate</c> with the migration role.
    /// </summary>
    public static readonly IReadOnlyList<string> MigratedBeforeStart = ["orchestrator", "scheduler"];

    /// <summary>The services reached over HTTP, each behind a Kubernetes Service of its name; the others only over the bus.</summary>
    public static readonly IReadOnlyList<string> Http = ["api", Ingress];

    /// <summary>The Secret every service reads its connections from.</summary>
    public const string ConnectionSecret = "agents-secrets";

    /// <summary>The keys of <see cref="ConnectionSecret"/> the services read, under the same variable names.</summary>
    public static readonly IReadOnlyList<string> SecretKeys = ["RABBITMQ_URL", "POSTGRES_CONNECTION"];

    /// <summary>
    /// The key of <see cref="ConnectionSecret"/> with the migration role's connection string (the schema's owner): only
    /// the <c>migrate</c> init containers read it (as <c>POSTGRES_CONNECTION</c>), never a service's own container.
    /// </summary>
    public const string MigrationKey = "POSTGRES_MIGRATION_CONNECTION";

    /// <summary>The Secret of the ingress's webhook sources.</summary>
    public const string IngressSecret = "agents-ingress";

    /// <summary>The ingress's sources: each credential variable and the key of <see cref="IngressSecret"/> it comes from.</summary>
    public static readonly IReadOnlyDictionary<string, string> IngressSources = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Ingress__Sources__alertmanager__Token"] = "alertmanager-token",
        ["Ingress__Sources__pagerduty__Secret"] = "pagerduty-secret",
        ["Ingress__Sources__generic__Secret"] = "generic-secret",
    };

    /// <summary>The Secret of the API's admin key, held as its SHA-256 (<c>Auth__ApiKeys__admin__Hash</c>).</summary>
    public const string ApiSecret = "agents-api";

    /// <summary>Every Secret and its keys; the manifests and the docs name no other.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Secrets =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            [ConnectionSecret] = [.. SecretKeys, MigrationKey],
            [IngressSecret] = [.. IngressSources.Values],
            [ApiSecret] = ["admin-key-hash"],
        };

    /// <summary>
    /// Whether a variable is a credential of an ingress source (token, password, HMAC secret), in any case and with
    /// '__' or ':' as the separator, as configuration reads it: never a literal value in a manifest.
    /// </summary>
    public static bool IsIngressCredential(string variable) => IngressCredential().IsMatch(variable);

    // HostingExtensions.ReadyPath / LivePath / MetricsPath in services/Agents.Hosting; the image listens on 8080.
    public const string ReadyPath = "/health/ready";
    public const string LivePath = "/health/live";
    public const string MetricsPath = "/metrics";
    public const int Port = 8080;

    /// <summary>
    /// How long a service may take to stop after SIGTERM: the bus gets 30 s to finish the messages in hand, the host
    /// waits 40 s for it (HostOptions.ShutdownTimeout in HostingExtensions).
    /// </summary>
    public const int HostShutdownSeconds = 40;

    /// <summary>The project name of a service: api → Agents.Api, change-freeze → Agents.ChangeFreeze.</summary>
    public static string Project(string service) =>
        "Agents." + string.Concat(service.Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    [GeneratedRegex(@"^Ingress(__|:)Sources(__|:).+(__|:)(Token|Password|Secret|PreviousSecret)$", RegexOptions.IgnoreCase)]
    private static partial Regex IngressCredential();
}
