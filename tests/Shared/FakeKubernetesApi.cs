using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Agents.Testing;

/// <summary>
/// A local Kubernetes API server as far as reading workloads goes: <c>GET</c> of one object and lists (with
/// <c>labelSelector</c>, <c>fieldSelector</c>, <c>limit</c>/<c>continue</c>) for deployments, statefulsets, replicasets,
/// controllerrevisions (<c>/apis/apps/v1/namespaces/{ns}/…</c>), pods and events (<c>/api/v1/namespaces/{ns}/…</c>).
/// Like the real server it wants <c>Authorization: Bearer &lt;token&gt;</c> (else 401), refuses a selector it cannot
/// parse or a field it does not index (400), answers a missing object 404, and puts every refusal in a <c>Status</c>
/// object. Objects are added with the <c>Add…</c> methods in the shapes the API returns; a resource can be told to be
/// forbidden (403), missing (404), failing (500) or malformed, and every answer can be slowed down. Plain HTTP, or HTTPS
/// with a certificate issued by a CA made here (<see cref="StartTls"/>, <see cref="CaPem"/>). Compiled into each test
/// project that needs it.
/// <para>
/// Writes: <c>PATCH</c> of deployments and replicasets (<c>/apis/apps/v1/namespaces/{ns}/…/{name}</c>) as JSON patch
/// (replace/add/remove/test), merge patch or strategic merge patch (treated as a merge patch, enough for maps and whole
/// lists). <c>dryRun=All</c> answers the patched object without storing it; a patch that sets
/// <c>metadata.resourceVersion</c> to anything but the stored one answers 409 Conflict, as the API server does. A
/// stored change bumps the object's resourceVersion and generation. <see cref="ConflictPatches"/> and
/// <see cref="FailPatches"/> make the next patches answer 409 or a failure (403 …) while reads still work. Every
/// patch is recorded in <see cref="Mutations"/> on arrival (dry run or not, then its status code), so a test can count
/// executions; <see cref="HoldPatches"/> keeps the real patches of one workload in flight until released.
/// </para>
/// </summary>
internal sealed partial class FakeKubernetesApi : IAsyncDisposable
{
    /// <summary>The token the server accepts unless <see cref="Token"/> is changed.</summary>
    public const string DefaultToken = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImZha2UifQ.c2VydmljZWFjY291bnQ.fake-signature";

    /// <summary>The user the token stands for, as named in 403 messages.</summary>
    public const string User = "system:serviceaccount:agents:agents-context";

    /// <summary>A label key: an optional DNS-subdomain prefix and a name of at most 63 characters.</summary>
    private const string Key = @"(?<key>(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)";

    private static readonly Dictionary<string, (string Group, string Kind)> Resources = new(StringComparer.Ordinal)
    {
        ["pods"] = ("", "Pod"),
        ["events"] = ("", "Event"),
        ["deployments"] = ("apps", "Deployment"),
        ["statefulsets"] = ("apps", "StatefulSet"),
        ["replicasets"] = ("apps", "ReplicaSet"),
        ["controllerrevisions"] = ("apps", "ControllerRevision"),
    };

    private static readonly HashSet<string> EventFields = new(StringComparer.Ordinal)
    {
        "metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
        "reason", "reportingComponent", "source", "type",
    };

    private static readonly HashSet<string> PodFields = new(StringComparer.Ordinal)
    {
        "metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
        "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName",
    };

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<JsonObject>> _objects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Failure> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Failure> _patchFailures = new(StringComparer.Ordinal);
    private readonly Lock _writes = new();
    private long _resourceVersion = 48_000_000;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _holds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _held = new(StringComparer.Ordinal);
    private int _conflicts;

    private FakeKubernetesApi(WebApplication app) => _app = app;

    /// <summary>What a resource can be told to answer instead of its objects.</summary>
    public enum Failure
    {
        Forbidden,
        NotFound,
        InternalError,
        MalformedJson,
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>The CA certificate (PEM) that issued the server's certificate, when started with <see cref="StartTls"/>.</summary>
    public string? CaPem { get; private set; }

    /// <summary>The bearer token accepted; change it to see a rotated token picked up.</summary>
    public string Token { get; set; } = DefaultToken;

    /// <summary>How long every answer waits (cut short when the client goes away).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The most items the server puts in one page, whatever <c>limit</c> asks (the API may return fewer).</summary>
    public int? MaxPageSize { get; set; }

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Every PATCH received, in order, with its outcome.</summary>
    public ConcurrentQueue<Mutation> Mutations { get; } = new();

    /// <summary>The patches stored for real (not dry runs, not refused): what a test counts as executions.</summary>
    public IReadOnlyList<Mutation> Applied => Mutations.Where(m => !m.DryRun && m.Status == 200).ToList();

    /// <summary>
    /// One PATCH, recorded when it arrives: what it named, its content type and body, whether it was a dry run, and the
    /// status answered (0 while it is held, see <see cref="HoldPatches"/>).
    /// </summary>
    public sealed record Mutation(string Resource, string Namespace, string Name, string ContentType, string Body, bool DryRun)
    {
        private int _status;

        public int Status
        {
            get => Volatile.Read(ref _status);
            set => Volatile.Write(ref _status, value);
        }
    }

    /// <summary>One request as received: its path, its decoded query parameters and its Authorization header.</summary>
    public sealed record Request(string Method, string Path, IReadOnlyDictionary<string, string> Query, string? Authorization)
    {
        public string Resource => Path.Split('/', StringSplitOptions.RemoveEmptyEntries) switch
        {
            ["api", _, "namespaces", _, var resource, ..] => resource,
            ["apis", _, _, "namespaces", _, var resource, ..] => resource,
            _ => "",
        };
    }

    /// <summary>A container's status in a pod (<c>status.containerStatuses[]</c>).</summary>
    public sealed record ContainerStatus(string Name, string Image, int RestartCount = 0)
    {
        /// <summary>The reason the container is waiting (e.g. <c>CrashLoopBackOff</c>); null: it is running.</summary>
        public string? Waiting { get; init; }

        public string? WaitingMessage { get; init; }

        /// <summary>The reason of its last termination (<c>OOMKilled</c>, <c>Error</c>); null: none.</summary>
        public string? LastTerminated { get; init; }

        public int LastExitCode { get; init; }

        public DateTimeOffset? LastStartedAt { get; init; }

        public DateTimeOffset? LastFinishedAt { get; init; }
    }

    public static Task<FakeKubernetesApi> Start() => Start(null, null);

    /// <summary>Serves HTTPS on 127.0.0.1 with a certificate issued by a CA made for this server (<see cref="CaPem"/>).</summary>
    public static Task<FakeKubernetesApi> StartTls()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=fake-kubernetes-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=kube-apiserver", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var issued = serverRequest.Create(ca, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(serverKey);

        // Through PKCS#12 so that the key is usable by the TLS stack on every platform.
        var server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12, "fake"), "fake");
        return Start(server, ca.ExportCertificatePem());
    }

    private static async Task<FakeKubernetesApi> Start(X509Certificate2? certificate, string? caPem)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        var fake = new FakeKubernetesApi(app) { CaPem = caPem };
        app.Run(fake.Handle);
        await app.StartAsync();
        fake.Url = new Uri(app.Urls.Single());
        return fake;
    }

    /// <summary>Answers every request for <paramref name="resource"/> (e.g. <c>pods</c>) with <paramref name="failure"/>.</summary>
    public void Fail(string resource, Failure failure) => _failures[resource] = failure;

    /// <summary>Answers every PATCH of <paramref name="resource"/> with <paramref name="failure"/> (reads still answer).</summary>
    public void FailPatches(string resource, Failure failure) => _patchFailures[resource] = failure;

    /// <summary>The next <paramref name="count"/> PATCH requests (dry run or not) answer 409 Conflict.</summary>
    public void ConflictPatches(int count) => Interlocked.Exchange(ref _conflicts, count);

    /// <summary>
    /// Holds every real (not dry-run) PATCH of the deployment or replicaset named <paramref name="name"/>: recorded on
    /// arrival, neither applied nor answered until <see cref="ReleasePatches"/> (then applied, even when the client went
    /// away meanwhile, as an API server that received it would). For tests that act while an execution is in flight.
    /// </summary>
    public void HoldPatches(string name) => _holds.TryAdd(name, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Lets the held patches of <paramref name="name"/> (and later ones) through.</summary>
    public void ReleasePatches(string name)
    {
        if (_holds.TryRemove(name, out var hold))
        {
            hold.TrySetResult();
        }
    }

    /// <summary>How many patches of <paramref name="name"/> are held right now.</summary>
    public int Held(string name) => _held.TryGetValue(name, out var count) ? count : 0;

    /// <summary>Runs once before the next PATCH is applied: another client's change between a read and a patch.</summary>
    public Action? BeforeNextPatch { get; set; }

    /// <summary>A copy of the stored object, or null.</summary>
    public JsonObject? Get(string resource, string ns, string name)
    {
        lock (_writes)
        {
            return Stored(resource).FirstOrDefault(o => Meta(o, "namespace") == ns && Meta(o, "name") == name)?.DeepClone().AsObject();
        }
    }

    /// <summary>Changes a stored object as another client would (its resourceVersion is bumped).</summary>
    public void Change(string resource, string ns, string name, Action<JsonObject> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_writes)
        {
            var stored = Stored(resource).First(o => Meta(o, "namespace") == ns && Meta(o, "name") == name);
            change(stored);
            stored["metadata"]!["resourceVersion"] = Interlocked.Increment(ref _resourceVersion).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>A Deployment selecting <paramref name="matchLabels"/> (and the expressions given); returns its uid.</summary>
    public string AddDeployment(
        string ns,
        string name,
        IReadOnlyDictionary<string, string> matchLabels,
        string image,
        long revision,
        JsonArray? matchExpressions = null,
        string? currentReplicaSet = null,
        DateTimeOffset? progressedAt = null)
    {
        var uid = Guid.NewGuid().ToString();
        var selector = new JsonObject { ["matchLabels"] = Labels(matchLabels) };
        if (matchExpressions is not null)
        {
            selector["matchExpressions"] = matchExpressions;
        }

        var at = Time(progressedAt ?? DateTimeOffset.UtcNow);
        Add("deployments", new JsonObject
        {
            ["metadata"] = Metadata(ns, name, uid, matchLabels, DateTimeOffset.UtcNow.AddDays(-200), new()
            {
                ["deployment.kubernetes.io/revision"] = revision.ToString(CultureInfo.InvariantCulture),
            }),
            ["spec"] = new JsonObject
            {
                ["replicas"] = 3,
                ["selector"] = selector,
                ["template"] = Template(matchLabels, image),
                ["strategy"] = new JsonObject
                {
                    ["type"] = "RollingUpdate",
                    ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = "25%", ["maxSurge"] = "25%" },
                },
                ["revisionHistoryLimit"] = 10,
                ["progressDeadlineSeconds"] = 600,
            },
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = revision,
                ["replicas"] = 3,
                ["updatedReplicas"] = 3,
                ["readyReplicas"] = 2,
                ["availableReplicas"] = 2,
                ["unavailableReplicas"] = 1,
                ["conditions"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Available",
                        ["status"] = "True",
                        ["lastUpdateTime"] = at,
                        ["lastTransitionTime"] = at,
                        ["reason"] = "MinimumReplicasAvailable",
                        ["message"] = "Deployment has minimum availability.",
                    },
                    new JsonObject
                    {
                        ["type"] = "Progressing",
                        ["status"] = "True",
                        ["lastUpdateTime"] = at,
                        ["lastTransitionTime"] = Time(DateTimeOffset.UtcNow.AddDays(-200)),
                        ["reason"] = "NewReplicaSetAvailable",
                        ["message"] = $"ReplicaSet \"{currentReplicaSet ?? name}\" has successfully progressed.",
                    }),
            },
        });
        return uid;
    }

    /// <summary>A ReplicaSet of a Deployment (owned when <paramref name="ownerUid"/> is given); returns its uid.</summary>
    public string AddReplicaSet(
        string ns,
        string name,
        string? ownerUid,
        string ownerName,
        IReadOnlyDictionary<string, string> podLabels,
        long? revision,
        string image,
        DateTimeOffset created,
        string? changeCause = null)
    {
        var uid = Guid.NewGuid().ToString();
        var hash = name[(name.LastIndexOf('-') + 1)..];
        var labels = new Dictionary<string, string>(podLabels) { ["pod-template-hash"] = hash };
        var annotations = new Dictionary<string, string>
        {
            ["deployment.kubernetes.io/desired-replicas"] = "3",
            ["deployment.kubernetes.io/max-replicas"] = "4",
        };
        if (revision is { } r)
        {
            annotations["deployment.kubernetes.io/revision"] = r.ToString(CultureInfo.InvariantCulture);
        }

        if (changeCause is not null)
        {
            annotations["kubernetes.io/change-cause"] = changeCause;
        }

        var metadata = Metadata(ns, name, uid, labels, created, annotations);
        if (ownerUid is not null)
        {
            metadata["ownerReferences"] = Owner("Deployment", ownerName, ownerUid);
        }

        Add("replicasets", new JsonObject
        {
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["replicas"] = 3,
                ["selector"] = new JsonObject { ["matchLabels"] = Labels(labels) },
                ["template"] = Template(labels, image),
            },
            ["status"] = new JsonObject { ["replicas"] = 3, ["fullyLabeledReplicas"] = 3, ["readyReplicas"] = 3, ["availableReplicas"] = 3, ["observedGeneration"] = 1 },
        });
        return uid;
    }

    /// <summary>A StatefulSet selecting <paramref name="matchLabels"/>; returns its uid.</summary>
    public string AddStatefulSet(string ns, string name, IReadOnlyDictionary<string, string> matchLabels, string image, string updateRevision)
    {
        var uid = Guid.NewGuid().ToString();
        Add("statefulsets", new JsonObject
        {
            ["metadata"] = Metadata(ns, name, uid, matchLabels, DateTimeOffset.UtcNow.AddDays(-300), []),
            ["spec"] = new JsonObject
            {
                ["replicas"] = 3,
                ["serviceName"] = name,
                ["selector"] = new JsonObject { ["matchLabels"] = Labels(matchLabels) },
                ["template"] = Template(matchLabels, image),
                ["podManagementPolicy"] = "OrderedReady",
                ["updateStrategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["partition"] = 0 } },
                ["revisionHistoryLimit"] = 10,
            },
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = 4,
                ["replicas"] = 3,
                ["readyReplicas"] = 3,
                ["currentReplicas"] = 3,
                ["updatedReplicas"] = 3,
                ["currentRevision"] = updateRevision,
                ["updateRevision"] = updateRevision,
                ["collisionCount"] = 0,
                ["availableReplicas"] = 3,
            },
        });
        return uid;
    }

    /// <summary>A ControllerRevision of a StatefulSet: its pod template as the patch the controller stores.</summary>
    public void AddControllerRevision(
        string ns, string name, string ownerUid, string ownerName, IReadOnlyDictionary<string, string> labels, long revision, string image, DateTimeOffset created)
    {
        var withHash = new Dictionary<string, string>(labels) { ["controller.kubernetes.io/hash"] = name[(name.LastIndexOf('-') + 1)..] };
        var metadata = Metadata(ns, name, Guid.NewGuid().ToString(), withHash, created, []);
        metadata["ownerReferences"] = Owner("StatefulSet", ownerName, ownerUid);
        var template = Template(labels, image);
        template["$patch"] = "replace";
        Add("controllerrevisions", new JsonObject
        {
            ["metadata"] = metadata,
            ["data"] = new JsonObject { ["spec"] = new JsonObject { ["template"] = template } },
            ["revision"] = revision,
        });
    }

    /// <summary>A pod with the labels given (owned by the ReplicaSet named, if any) and its containers' statuses.</summary>
    public void AddPod(
        string ns, string name, IReadOnlyDictionary<string, string> labels, string? ownerKind, string? ownerName, DateTimeOffset started, params ContainerStatus[] containers)
    {
        var metadata = Metadata(ns, name, Guid.NewGuid().ToString(), labels, started.AddSeconds(-5), []);
        if (ownerKind is not null && ownerName is not null)
        {
            metadata["ownerReferences"] = Owner(ownerKind, ownerName, Guid.NewGuid().ToString());
        }

        var statuses = new JsonArray();
        foreach (var c in containers)
        {
            var status = new JsonObject
            {
                ["name"] = c.Name,
                ["image"] = c.Image,
                ["imageID"] = $"{c.Image}@sha256:{new string('a', 64)}",
                ["containerID"] = $"containerd://{Guid.NewGuid():N}",
                ["ready"] = c.Waiting is null,
                ["started"] = c.Waiting is null,
                ["restartCount"] = c.RestartCount,
                ["state"] = c.Waiting is null
                    ? new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Time(c.LastFinishedAt ?? started) } }
                    : new JsonObject { ["waiting"] = new JsonObject { ["reason"] = c.Waiting, ["message"] = c.WaitingMessage } },
                ["lastState"] = c.LastTerminated is null
                    ? new JsonObject()
                    : new JsonObject
                    {
                        ["terminated"] = new JsonObject
                        {
                            ["exitCode"] = c.LastExitCode,
                            ["reason"] = c.LastTerminated,
                            ["startedAt"] = Time(c.LastStartedAt ?? started),
                            ["finishedAt"] = c.LastFinishedAt is { } finished ? Time(finished) : null,
                            ["containerID"] = $"containerd://{Guid.NewGuid():N}",
                        },
                    },
            };
            statuses.Add(status);
        }

        var ready = containers.All(c => c.Waiting is null);
        Add("pods", new JsonObject
        {
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["containers"] = new JsonArray(containers.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c.Name,
                    ["image"] = c.Image,
                    ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["memory"] = "512Mi", ["cpu"] = "500m" } },
                }).ToArray()),
                ["restartPolicy"] = "Always",
                ["nodeName"] = "node-a-1",
                ["serviceAccountName"] = "default",
            },
            ["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready",
                    ["status"] = ready ? "True" : "False",
                    ["lastProbeTime"] = null,
                    ["lastTransitionTime"] = Time(started),
                }),
                ["hostIP"] = "10.0.1.17",
                ["podIP"] = "10.244.1.23",
                ["startTime"] = Time(started),
                ["containerStatuses"] = statuses,
                ["qosClass"] = "Burstable",
            },
        });
    }

    /// <summary>
    /// An event about <paramref name="kind"/>/<paramref name="objectName"/>: with a count and first/last timestamps (the
    /// core v1 way), or with an <paramref name="eventTime"/> and a series (written through <c>events.k8s.io</c>).
    /// </summary>
    public void AddEvent(
        string ns,
        string objectName,
        string type,
        string reason,
        string message,
        int? count,
        DateTimeOffset? first,
        DateTimeOffset? last,
        string kind = "Pod",
        DateTimeOffset? eventTime = null,
        (int Count, DateTimeOffset LastObserved)? series = null)
    {
        var name = $"{objectName}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        var created = first ?? eventTime ?? DateTimeOffset.UtcNow;
        Add("events", new JsonObject
        {
            ["metadata"] = Metadata(ns, name, Guid.NewGuid().ToString(), new Dictionary<string, string>(), created, []),
            ["involvedObject"] = new JsonObject
            {
                ["kind"] = kind,
                ["namespace"] = ns,
                ["name"] = objectName,
                ["uid"] = Guid.NewGuid().ToString(),
                ["apiVersion"] = "v1",
                ["resourceVersion"] = "47000001",
                ["fieldPath"] = kind == "Pod" ? "spec.containers{app}" : null,
            },
            ["reason"] = reason,
            ["message"] = message,
            ["source"] = new JsonObject { ["component"] = "kubelet", ["host"] = "node-a-1" },
            ["firstTimestamp"] = first is { } f ? Time(f) : null,
            ["lastTimestamp"] = last is { } l ? Time(l) : null,
            ["count"] = count,
            ["type"] = type,
            ["eventTime"] = eventTime is { } e ? MicroTime(e) : null,
            ["series"] = series is { } s ? new JsonObject { ["count"] = s.Count, ["lastObservedTime"] = MicroTime(s.LastObserved) } : null,
            ["reportingComponent"] = "kubelet",
            ["reportingInstance"] = "node-a-1",
        });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in _holds.Keys)
        {
            ReleasePatches(name);
        }

        await _app.DisposeAsync();
    }

    private async Task Handle(HttpContext context)
    {
        var request = context.Request;
        var query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        Requests.Enqueue(new Request(request.Method, request.Path.Value ?? "", query, request.Headers.Authorization.ToString()));
        if (Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (request.Headers.Authorization.ToString() != $"Bearer {Token}")
        {
            await Status(context, HttpStatusCode.Unauthorized, "Unauthorized", "Unauthorized");
            return;
        }

        if (request.Method == HttpMethods.Patch)
        {
            await Patch(context, query);
            return;
        }

        if (request.Method != HttpMethods.Get)
        {
            await Status(context, HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", "the server does not allow this method on the requested resource");
            return;
        }

        var route = (request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries) switch
        {
            ["api", "v1", "namespaces", var ns, var resource] => (Group: "", ns, resource, Name: (string?)null),
            ["api", "v1", "namespaces", var ns, var resource, var name] => (Group: "", ns, resource, Name: name),
            ["apis", var group, "v1", "namespaces", var ns, var resource] => (Group: group, ns, resource, Name: null),
            ["apis", var group, "v1", "namespaces", var ns, var resource, var name] => (Group: group, ns, resource, Name: name),
            _ => default,
        };
        if (route.resource is null || !Resources.TryGetValue(route.resource, out var known) || known.Group != route.Group)
        {
            await Status(context, HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
            return;
        }

        var qualified = known.Group.Length == 0 ? route.resource : $"{route.resource}.{known.Group}";
        if (_failures.TryGetValue(route.resource, out var failure))
        {
            await Refuse(context, failure, qualified, route.resource, known.Group, route.ns, route.Name);
            return;
        }

        if (route.Name is { } objectName)
        {
            JsonObject? found;
            lock (_writes)
            {
                found = Stored(route.resource).FirstOrDefault(o => Meta(o, "namespace") == route.ns && Meta(o, "name") == objectName)?.DeepClone().AsObject();
            }

            if (found is null)
            {
                await Status(context, HttpStatusCode.NotFound, "NotFound", $"{qualified} \"{objectName}\" not found", Details(objectName, known.Group, route.resource));
                return;
            }

            var single = found;
            single.Insert(0, "apiVersion", ApiVersion(known.Group));
            single.Insert(0, "kind", known.Kind);
            await Json(context, HttpStatusCode.OK, single);
            return;
        }

        await List(context, query, route.resource, known, route.ns);
    }

    private async Task List(HttpContext context, Dictionary<string, string> query, string resource, (string Group, string Kind) known, string ns)
    {
        var labelRequirements = new List<Func<JsonObject, bool>>();
        if (query.TryGetValue("labelSelector", out var labelSelector) && ParseLabelSelector(labelSelector, labelRequirements) is { } labelError)
        {
            await Status(context, HttpStatusCode.BadRequest, "BadRequest", $"unable to parse requirement: {labelError}");
            return;
        }

        var fieldRequirements = new List<Func<JsonObject, bool>>();
        var fields = resource switch { "events" => EventFields, "pods" => PodFields, _ => ["metadata.name", "metadata.namespace"] };
        if (query.TryGetValue("fieldSelector", out var fieldSelector) && ParseFieldSelector(fieldSelector, fields, fieldRequirements) is { } fieldError)
        {
            await Status(context, HttpStatusCode.BadRequest, "BadRequest", fieldError);
            return;
        }

        var limit = int.MaxValue;
        if (query.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, CultureInfo.InvariantCulture, out limit) || limit < 0))
        {
            await Status(context, HttpStatusCode.BadRequest, "BadRequest", $"invalid limit: {limitText}");
            return;
        }

        limit = limit == 0 ? int.MaxValue : Math.Min(limit, MaxPageSize ?? int.MaxValue);
        var offset = 0;
        if (query.TryGetValue("continue", out var next) && next.Length > 0 && !TryReadContinue(next, out offset))
        {
            await Status(context, HttpStatusCode.BadRequest, "BadRequest", "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
            return;
        }

        List<JsonObject> matching;
        JsonNode[] page;
        lock (_writes)
        {
            matching = Stored(resource)
                .Where(o => Meta(o, "namespace") == ns && labelRequirements.All(r => r(o)) && fieldRequirements.All(r => r(o)))
                .OrderBy(o => Meta(o, "name"), StringComparer.Ordinal)
                .ToList();
            page = matching.Skip(offset).Take(limit).Select(o => (JsonNode)o.DeepClone()).ToArray();
        }

        var metadata = new JsonObject { ["resourceVersion"] = Interlocked.Increment(ref _resourceVersion).ToString(CultureInfo.InvariantCulture) };
        var remaining = matching.Count - offset - page.Length;
        if (remaining > 0)
        {
            metadata["continue"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"v\":\"meta.k8s.io/v1\",\"start\":{offset + page.Length}}}"));
            metadata["remainingItemCount"] = remaining;
        }

        await Json(context, HttpStatusCode.OK, new JsonObject
        {
            ["kind"] = $"{known.Kind}List",
            ["apiVersion"] = ApiVersion(known.Group),
            ["metadata"] = metadata,
            ["items"] = new JsonArray(page),
        });
    }


    /// <summary>A PATCH of a deployment or replicaset: applied to a copy, checked, stored unless a dry run.</summary>
    private async Task Patch(HttpContext context, Dictionary<string, string> query)
    {
        var route = (context.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries) switch
        {
            ["apis", "apps", "v1", "namespaces", var ns, var resource and ("deployments" or "replicasets"), var name] => (ns, resource, name),
            _ => default,
        };
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var contentType = context.Request.ContentType?.Split(';')[0].Trim() ?? "";
        var dryRun = query.TryGetValue("dryRun", out var dry) && dry == "All";
        if (query.TryGetValue("dryRun", out var other) && other != "All")
        {
            await Status(context, HttpStatusCode.BadRequest, "BadRequest", $"dryRun: Unsupported value: \"{other}\": supported values: \"All\"");
            return;
        }

        if (route.resource is null)
        {
            await Status(context, HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", "the server does not allow this method on the requested resource");
            return;
        }

        var mutation = new Mutation(route.resource, route.ns, route.name, contentType, body, dryRun);
        Mutations.Enqueue(mutation);
        if (!dryRun && _holds.TryGetValue(route.name, out var hold))
        {
            _held.AddOrUpdate(route.name, 1, (_, n) => n + 1);
            try
            {
                await hold.Task;
            }
            finally
            {
                _held.AddOrUpdate(route.name, 0, (_, n) => n - 1);
            }
        }

        var (code, answer) = Apply(route.ns, route.resource, route.name, contentType, body, dryRun);
        mutation.Status = (int)code;
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        if (answer is not null)
        {
            await Json(context, code, answer);
        }
        else
        {
            await Refuse(context, Failure.Forbidden, $"{route.resource}.apps", route.resource, "apps", route.ns, route.name, "patch");
        }
    }

    private (HttpStatusCode Code, JsonObject? Answer) Apply(string ns, string resource, string name, string contentType, string body, bool dryRun)
    {
        var qualified = $"{resource}.apps";
        if (_patchFailures.TryGetValue(resource, out var failure))
        {
            return failure == Failure.Forbidden
                ? (HttpStatusCode.Forbidden, null)
                : (HttpStatusCode.InternalServerError, StatusObject(HttpStatusCode.InternalServerError, "InternalError", "Internal error occurred: etcdserver: request timed out"));
        }

        if (Interlocked.Decrement(ref _conflicts) >= 0)
        {
            return (HttpStatusCode.Conflict, StatusObject(HttpStatusCode.Conflict, "Conflict",
                $"Operation cannot be fulfilled on {qualified} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"));
        }

        Interlocked.Exchange(ref _conflicts, 0);
        if (BeforeNextPatch is { } before)
        {
            BeforeNextPatch = null;
            before();
        }

        lock (_writes)
        {
            var stored = Stored(resource).FirstOrDefault(o => Meta(o, "namespace") == ns && Meta(o, "name") == name);
            if (stored is null)
            {
                return (HttpStatusCode.NotFound, StatusObject(HttpStatusCode.NotFound, "NotFound", $"{qualified} \"{name}\" not found"));
            }

            var patched = stored.DeepClone().AsObject();
            try
            {
                var patch = JsonNode.Parse(body);
                switch (contentType)
                {
                    case "application/json-patch+json" when patch is JsonArray operations:
                        ApplyJsonPatch(patched, operations);
                        break;
                    case "application/merge-patch+json" or "application/strategic-merge-patch+json" when patch is JsonObject merge:
                        MergePatch(patched, merge);
                        break;
                    default:
                        return (HttpStatusCode.UnsupportedMediaType, StatusObject(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {contentType})"));
                }
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
            {
                return (HttpStatusCode.UnprocessableEntity, StatusObject(HttpStatusCode.UnprocessableEntity, "Invalid", $"the server rejected our request due to an error in our request: {e.Message}"));
            }

            if (Meta(patched, "resourceVersion") != Meta(stored, "resourceVersion"))
            {
                return (HttpStatusCode.Conflict, StatusObject(HttpStatusCode.Conflict, "Conflict",
                    $"Operation cannot be fulfilled on {qualified} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"));
            }

            if (!dryRun && !JsonNode.DeepEquals(patched, stored))
            {
                patched["metadata"]!["resourceVersion"] = Interlocked.Increment(ref _resourceVersion).ToString(CultureInfo.InvariantCulture);
                if (!JsonNode.DeepEquals(patched["spec"], stored["spec"]))
                {
                    patched["metadata"]!["generation"] = (stored["metadata"]?["generation"]?.GetValue<int>() ?? 1) + 1;
                }

                stored.Clear();
                foreach (var (key, value) in patched.ToList())
                {
                    patched.Remove(key);
                    stored[key] = value;
                }

                patched = stored.DeepClone().AsObject();
            }

            patched.Insert(0, "apiVersion", "apps/v1");
            patched.Insert(0, "kind", Resources[resource].Kind);
            return (HttpStatusCode.OK, patched);
        }
    }

    private static void ApplyJsonPatch(JsonObject target, JsonArray operations)
    {
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var op = (string?)operation["op"];
            var path = ((string?)operation["path"] ?? throw new InvalidOperationException("a JSON patch operation has no path"))
                .Split('/').Skip(1).Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
            JsonNode parent = target;
            foreach (var step in path[..^1])
            {
                parent = (parent is JsonArray list ? list[int.Parse(step, CultureInfo.InvariantCulture)] : parent[step])
                    ?? throw new InvalidOperationException($"doc is missing path: {operation["path"]}");
            }

            var last = path[^1];
            var value = operation["value"]?.DeepClone();
            switch (op)
            {
                case "test" when !JsonNode.DeepEquals(parent[last], value):
                    throw new InvalidOperationException($"testing value {operation["path"]} failed");
                case "test":
                    break;
                case "replace" when parent is JsonObject o && !o.ContainsKey(last):
                    throw new InvalidOperationException($"replace operation does not apply: doc is missing key: {operation["path"]}");
                case "replace" or "add" when parent is JsonObject o:
                    o[last] = value;
                    break;
                case "remove" when parent is JsonObject o:
                    if (!o.Remove(last))
                    {
                        throw new InvalidOperationException($"remove operation does not apply: doc is missing key: {operation["path"]}");
                    }

                    break;
                default:
                    throw new InvalidOperationException($"unsupported JSON patch operation '{op}' on {operation["path"]}");
            }
        }
    }

    /// <summary>RFC 7386: objects merge, null removes, anything else replaces.</summary>
    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject nested && target[key] is JsonObject existing)
            {
                MergePatch(existing, nested);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }

    private Task Refuse(HttpContext context, Failure failure, string qualified, string resource, string group, string ns, string? name, string? verb = null)
    {
        verb ??= name is null ? "list" : "get";
        var target = name is null ? qualified : $"{qualified} \"{name}\"";
        return failure switch
        {
            Failure.Forbidden => Status(
                context,
                HttpStatusCode.Forbidden,
                "Forbidden",
                $"{target} is forbidden: User \"{User}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" in the namespace \"{ns}\"",
                Details(name, group, resource)),
            Failure.NotFound => Status(context, HttpStatusCode.NotFound, "NotFound", $"{target} not found", Details(name, group, resource)),
            Failure.InternalError => Status(context, HttpStatusCode.InternalServerError, "InternalError", "Internal error occurred: etcdserver: request timed out"),
            _ => WriteRaw(context, HttpStatusCode.OK, "{\"kind\":\"PodList\",\"items\":[{\"metadata\":"),
        };
    }

    /// <summary>
    /// Parses a label selector as the API server does (<c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>,
    /// <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>, separated by commas); returns what is wrong, or null.
    /// </summary>
    private static string? ParseLabelSelector(string selector, List<Func<JsonObject, bool>> requirements)
    {
        if (selector.Length == 0)
        {
            return null; // an empty selector selects everything
        }

        foreach (var raw in SplitTopLevel(selector))
        {
            var part = raw.Trim();
            if (part.Length == 0)
            {
                return $"found '', expected: identifier in '{selector}'";
            }

            if (SetRequirement().Match(part) is { Success: true } set)
            {
                var key = set.Groups["key"].Value;
                var values = set.Groups["values"].Value.Split(',').Select(v => v.Trim()).ToList();
                if (values is [""] || values.Any(v => !LabelValue().IsMatch(v)))
                {
                    return $"{part}: for 'in', 'notin' operators, values set can't be empty and must be valid label values";
                }

                var notIn = set.Groups["op"].Value == "notin";
                requirements.Add(o => Label(o, key) is { } v ? values.Contains(v) != notIn : notIn);
            }
            else if (EqualityRequirement().Match(part) is { Success: true } equality)
            {
                var (key, value) = (equality.Groups["key"].Value, equality.Groups["value"].Value);
                if (!LabelValue().IsMatch(value))
                {
                    return $"{part}: invalid label value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'";
                }

                var negated = equality.Groups["op"].Value == "!=";
                requirements.Add(o => (Label(o, key) == value) != negated);
            }
            else if (ExistsRequirement().Match(part) is { Success: true } exists)
            {
                var key = exists.Groups["key"].Value;
                var negated = exists.Groups["not"].Success;
                requirements.Add(o => (Label(o, key) is not null) != negated);
            }
            else
            {
                return $"{part}: not a valid label selector requirement in '{selector}'";
            }
        }

        return null;
    }

    /// <summary>Parses a field selector (<c>f=v</c>, <c>f==v</c>, <c>f!=v</c>, comma-separated) over the fields the resource indexes.</summary>
    private static string? ParseFieldSelector(string selector, IReadOnlySet<string> fields, List<Func<JsonObject, bool>> requirements)
    {
        foreach (var part in selector.Split(','))
        {
            if (FieldRequirement().Match(part.Trim()) is not { Success: true } match)
            {
                return $"invalid selector: '{selector}'; can't understand '{part}'";
            }

            var (field, value) = (match.Groups["field"].Value, match.Groups["value"].Value);
            if (!fields.Contains(field))
            {
                return $"field label not supported: {field}";
            }

            var path = field == "source" ? "source.component" : field;
            var negated = match.Groups["op"].Value == "!=";
            requirements.Add(o => (Field(o, path) == value) != negated);
        }

        return null;
    }

    private static IEnumerable<string> SplitTopLevel(string selector)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < selector.Length; i++)
        {
            depth += selector[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (selector[i] == ',' && depth == 0)
            {
                yield return selector[start..i];
                start = i + 1;
            }
        }

        yield return selector[start..];
    }

    private static bool TryReadContinue(string token, out int offset)
    {
        offset = 0;
        try
        {
            var node = JsonNode.Parse(Convert.FromBase64String(token));
            offset = node?["start"]?.GetValue<int>() ?? -1;
            return offset >= 0 && (string?)node?["v"] == "meta.k8s.io/v1";
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private IEnumerable<JsonObject> Stored(string resource) => _objects.TryGetValue(resource, out var stored) ? stored : [];

    private void Add(string resource, JsonObject item) => _objects.GetOrAdd(resource, _ => new ConcurrentQueue<JsonObject>()).Enqueue(item);

    private static string? Meta(JsonObject item, string field) => (string?)item["metadata"]?[field];

    private static string? Label(JsonObject item, string key) => (string?)item["metadata"]?["labels"]?[key];

    private static string? Field(JsonObject item, string path)
    {
        JsonNode? node = item;
        foreach (var step in path.Split('.'))
        {
            node = node?[step];
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString();
    }

    private JsonObject Metadata(
        string ns, string name, string uid, IReadOnlyDictionary<string, string> labels, DateTimeOffset created, Dictionary<string, string> annotations)
    {
        var metadata = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = ns,
            ["uid"] = uid,
            ["resourceVersion"] = Interlocked.Increment(ref _resourceVersion).ToString(CultureInfo.InvariantCulture),
            ["generation"] = 1,
            ["creationTimestamp"] = Time(created),
            ["labels"] = Labels(labels),
        };
        if (annotations.Count > 0)
        {
            metadata["annotations"] = Labels(annotations);
        }

        return metadata;
    }

    private static JsonObject Template(IReadOnlyDictionary<string, string> labels, string image) => new()
    {
        ["metadata"] = new JsonObject { ["labels"] = Labels(labels) },
        ["spec"] = new JsonObject
        {
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = "app",
                ["image"] = image,
                ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 8080, ["protocol"] = "TCP" }),
                ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["memory"] = "512Mi" }, ["requests"] = new JsonObject { ["cpu"] = "250m" } },
            }),
            ["restartPolicy"] = "Always",
            ["terminationGracePeriodSeconds"] = 30,
        },
    };

    private static JsonArray Owner(string kind, string name, string uid) => new(new JsonObject
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = kind,
        ["name"] = name,
        ["uid"] = uid,
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    });

    private static JsonObject Labels(IReadOnlyDictionary<string, string> labels) =>
        new(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)JsonValue.Create(l.Value))));

    private static JsonObject? Details(string? name, string group, string resource)
    {
        var details = new JsonObject { ["group"] = group, ["kind"] = resource };
        if (name is not null)
        {
            details.Insert(0, "name", name);
        }

        return details;
    }

    private static string ApiVersion(string group) => group.Length == 0 ? "v1" : $"{group}/v1";

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string MicroTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static Task Status(HttpContext context, HttpStatusCode code, string reason, string message, JsonObject? details = null) =>
        Json(context, code, StatusObject(code, reason, message, details));

    private static JsonObject StatusObject(HttpStatusCode code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        status["code"] = (int)code;
        return status;
    }

    private static Task Json(HttpContext context, HttpStatusCode code, JsonObject body) => WriteRaw(context, code, body.ToJsonString());

    private static async Task WriteRaw(HttpContext context, HttpStatusCode code, string body)
    {
        context.Response.StatusCode = (int)code;
        context.Response.ContentType = "application/json";
        context.Response.Headers["Audit-Id"] = Guid.NewGuid().ToString();
        context.Response.Headers.CacheControl = "no-cache, private";
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    [GeneratedRegex(@"^" + Key + @"\s+(?<op>in|notin)\s*\((?<values>[^()]*)\)$")]
    private static partial Regex SetRequirement();

    [GeneratedRegex(@"^" + Key + @"\s*(?<op>==|!=|=)\s*(?<value>[^=!,()\s]*)$")]
    private static partial Regex EqualityRequirement();

    [GeneratedRegex(@"^(?<not>!)?\s*" + Key + "$")]
    private static partial Regex ExistsRequirement();

    [GeneratedRegex(@"^(?:(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?)$")]
    private static partial Regex LabelValue();

    [GeneratedRegex(@"^(?<field>[A-Za-z][A-Za-z.]*)\s*(?<op>==|!=|=)\s*(?<value>[^=!,]*)$")]
    private static partial Regex FieldRequirement();
}
