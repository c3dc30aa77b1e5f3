namespace Agents.Remediation.Runbooks;

/// <summary>
/// One executor step of an action's <c>run:</c> list, validated: what an executor does, with <c>{name}</c>
/// placeholders for the action's parameters. Its position in the list is its action step (claimed separately).
/// </summary>
public abstract record ExecutorStep
{
    /// <summary>The executor that runs it: <c>kubernetes</c>, <c>redis</c> or <c>http</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>The step's position in the action's <c>run:</c> list, from 0.</summary>
    public int Index { get; init; }

    /// <summary>Every template of the step, for the placeholder checks.</summary>
    public abstract IEnumerable<string> Templates { get; }
}

/// <summary>What a Kubernetes step does to the service's Deployment.</summary>
public enum KubernetesOperation
{
    /// <summary>Back to the pod template of the ReplicaSet that ran <see cref="KubernetesStep.ToVersion"/>.</summary>
    Rollback,

    /// <summary>A rollout restart (the <c>kubectl.kubernetes.io/restartedAt</c> annotation).</summary>
    Restart,

    /// <summary>Current replicas plus <see cref="KubernetesStep.Add"/>, at most <see cref="KubernetesStep.MaxReplicas"/>.</summary>
    Scale,
}

/// <summary>A <c>kubernetes:</c> step. The target is always the service catalog's workload of the incident's service.</summary>
public sealed record KubernetesStep : ExecutorStep
{
    public const string KindName = "kubernetes";

    public override string Kind => KindName;

    public required KubernetesOperation Operation { get; init; }

    /// <summary>Rollback: the version to go back to (a template, e.g. <c>{to_version}</c>).</summary>
    public string? ToVersion { get; init; }

    /// <summary>Scale: the replicas to add (a template of an integer parameter, or a number).</summary>
    public string? Add { get; init; }

    /// <summary>Scale: the most replicas the Deployment may have after the step.</summary>
    public int? MaxReplicas { get; init; }

    public override IEnumerable<string> Templates => new[] { ToVersion, Add }.OfType<string>();
}

/// <summary>A <c>redis:</c> step: unlinks the keys matching each pattern (SCAN + UNLINK); FLUSHDB only with <see cref="Flush"/>.</summary>
public sealed record RedisStep : ExecutorStep
{
    public const string KindName = "redis";

    public override string Kind => KindName;

    /// <summary>Key patterns (Redis glob syntax), each a template.</summary>
    public IReadOnlyList<string> Unlink { get; init; } = [];

    /// <summary>Empty the whole database (FLUSHDB). Only when the runbook says so.</summary>
    public bool Flush { get; init; }

    public override IEnumerable<string> Templates => Unlink;
}

/// <summary>An <c>http:</c> step: one request to a deploy tool's API.</summary>
public sealed record HttpStep : ExecutorStep
{
    public const string KindName = "http";

    public override string Kind => KindName;

    /// <summary>GET, POST, PUT, PATCH or DELETE.</summary>
    public required string Method { get; init; }

    /// <summary>An absolute http(s) URL template; values are URL-encoded into it.</summary>
    public required string Url { get; init; }

    /// <summary>A JSON body template; values are JSON-escaped into it. Null: no body.</summary>
    public string? Body { get; init; }

    /// <summary>How the request is authenticated; null: not at all.</summary>
    public HttpStepAuth? Auth { get; init; }

    public override IEnumerable<string> Templates => new[] { Url, Body }.OfType<string>();
}

/// <summary>
/// The secret an <see cref="HttpStep"/> authenticates with, by the name of the environment variable that holds it
/// (or <c>Remediation__Secrets__NAME</c>): a bearer token, or an HMAC-SHA256 key that signs the body into
/// <see cref="Header"/> as <c>sha256=&lt;hex&gt;</c>.
/// </summary>
public sealed record HttpStepAuth
{
    public const string DefaultHmacHeader = "X-Signature-256";

    /// <summary>The variable holding a bearer token.</summary>
    public string? Bearer { get; init; }

    /// <summary>The variable holding an HMAC key.</summary>
    public string? Hmac { get; init; }

    /// <summary>The header that carries the HMAC signature.</summary>
    public string Header { get; init; } = DefaultHmacHeader;

    /// <summary>The variable's name, whichever kind.</summary>
    public string SecretName => Bearer ?? Hmac ?? "";
}
