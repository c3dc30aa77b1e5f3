using Agents.Contracts;

namespace Agents.Deploy.Tests.Support;

/// <summary>What the deployment files must agree on: the services, their queues, their health endpoints.</summary>
internal static class Services
{
    /// <summary>The agents: each consumes the queue of its name, and its Deployment has that name too.</summary>
    public static readonly IReadOnlyList<string> Agents =
        [AgentQueues.Triage, AgentQueues.Context, AgentQueues.Investigation, AgentQueues.Remediation, AgentQueues.Notification];

    /// <summary>Every service: one image (deploy/Dockerfile, SERVICE=Agents.&lt;Name&gt;) and one Deployment each.</summary>
    public static readonly IReadOnlyList<string> All = ["orchestrator", "scheduler", "api", .. Agents];

    public static readonly IReadOnlyList<string> UsingPostgres = ["orchestrator", "context", "scheduler"];

    /// <summary>The two keys of the Secret; the manifests and the docs name no other.</summary>
    public static readonly IReadOnlyList<string> SecretKeys = ["RABBITMQ_URL", "POSTGRES_CONNECTION"];

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

    /// <summary>The project name of a service: api → Agents.Api.</summary>
    public static string Project(string service) => "Agents." + char.ToUpperInvariant(service[0]) + service[1..];
}
