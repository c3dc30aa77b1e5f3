namespace Agents.Remediation.Runbooks;

/// <summary>The shape of the runbook catalog YAML, before validation.</summary>
internal sealed class RunbookFile
{
    public List<ActionDefinition?>? Actions { get; set; }

    internal sealed class ActionDefinition
    {
        public string? Id { get; set; }

        public string? Description { get; set; }

        public List<string>? AppliesTo { get; set; }

        public Dictionary<string, ParameterDefinition?>? Parameters { get; set; }

        public List<string>? Steps { get; set; }

        public List<RunDefinition?>? Run { get; set; }
    }

    /// <summary>One <c>run:</c> entry: exactly one of its executors.</summary>
    internal sealed class RunDefinition
    {
        public KubernetesDefinition? Kubernetes { get; set; }

        public RedisDefinition? Redis { get; set; }

        public HttpDefinition? Http { get; set; }
    }

    internal sealed class KubernetesDefinition
    {
        public string? Operation { get; set; }

        public string? ToVersion { get; set; }

        public string? Add { get; set; }

        public int? MaxReplicas { get; set; }
    }

    internal sealed class RedisDefinition
    {
        public List<string?>? Unlink { get; set; }

        public bool? Flush { get; set; }
    }

    internal sealed class HttpDefinition
    {
        public string? Method { get; set; }

        public string? Url { get; set; }

        public string? Body { get; set; }

        public AuthDefinition? Auth { get; set; }
    }

    internal sealed class AuthDefinition
    {
        public string? Bearer { get; set; }

        public string? Hmac { get; set; }

        public string? Header { get; set; }
    }

    internal sealed class ParameterDefinition
    {
        public string? Type { get; set; }

        public bool? Required { get; set; }

        public long? Min { get; set; }

        public long? Max { get; set; }
    }
}
