using System.Globalization;
using Agents.Contracts;
using Agents.Deploy.Tests.Support;

namespace Agents.Deploy.Tests;

/// <summary>
/// deploy/k8s rendered by <c>kubectl kustomize</c> (offline), base and sample overlay alike: the invariants a cluster
/// relies on, which an edit of one manifest or one overlay can break without any tool noticing.
/// </summary>
public sealed class KubernetesManifestTests
{
    public const string Base = "deploy/k8s/base";
    public const string Sample = "deploy/k8s/overlays/sample";

    public static TheoryData<string> Kustomizations => new() { Base, Sample };

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Renders_with_kubectl_kustomize(string dir)
    {
        var rendering = Rendering.Of(dir);

        Assert.NotEmpty(rendering.Resources);
        var duplicates = rendering.Resources.GroupBy(r => (r.Kind, r.Name)).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.Empty(duplicates);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_deployments_are_exactly_the_fourteen_services(string dir)
    {
        var names = Rendering.Of(dir).Deployments.Select(d => d.Name).Order(StringComparer.Ordinal);

        // orchestrator, scheduler, api, ingress, the five incident agents, the plug-in agent change-freeze, the four
        // participant services.
        Assert.Equal(14, Services.All.Count);
        Assert.Equal(Services.All.Order(StringComparer.Ordinal), names);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_object_is_in_the_agents_namespace(string dir)
    {
        var elsewhere = Rendering.Of(dir).Resources.Where(r => r.Namespace != "agents").Select(r => $"{r} in '{r.Namespace}'");

        Assert.Empty(elsewhere);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_container_has_readiness_and_liveness_probes_on_the_health_endpoints(string dir)
    {
        var problems = new List<string>();
        foreach (var deployment in Rendering.Of(dir).Deployments)
        {
            Assert.NotEmpty(deployment.Containers);
            foreach (var container in deployment.Containers)
            {
                var where = $"{deployment} container {container.Str("name")}";
                CheckProbe(problems, where, container, "readinessProbe", Services.ReadyPath);
                CheckProbe(problems, where, container, "livenessProbe", Services.LivePath);
            }
        }

        Assert.True(problems.Count == 0, $"{dir}:\n{string.Join('\n', problems)}");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_container_requests_cpu_and_memory_and_limits_memory(string dir)
    {
        var problems = new List<string>();
        foreach (var deployment in Rendering.Of(dir).Deployments)
        {
            foreach (var container in deployment.AllContainers)
            {
                var where = $"{deployment} container {container.Str("name")}";
                foreach (var (section, resource) in new[] { ("requests", "cpu"), ("requests", "memory"), ("limits", "memory") })
                {
                    if (string.IsNullOrWhiteSpace(container.Str("resources", section, resource)))
                    {
                        problems.Add($"{where}: no resources.{section}.{resource}");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, $"{dir}:\n{string.Join('\n', problems)}");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_container_runs_as_a_numeric_non_root_user(string dir)
    {
        var problems = new List<string>();
        foreach (var deployment in Rendering.Of(dir).Deployments)
        {
            var pod = deployment.PodSpec.At("securityContext");
            foreach (var container in deployment.AllContainers)
            {
                var where = $"{deployment} container {container.Str("name")}";
                var own = container.At("securityContext");
                if ((own.Bool("runAsNonRoot") ?? pod.Bool("runAsNonRoot")) != true)
                {
                    problems.Add($"{where}: runAsNonRoot is not true");
                }

                // The image's USER is the name `app`: without a numeric uid the kubelet cannot verify runAsNonRoot
                // and refuses to start the container.
                var uid = own.Int("runAsUser") ?? pod.Int("runAsUser");
                if (uid is null or 0)
                {
                    problems.Add($"{where}: runAsUser is {(uid is null ? "not set" : "0")} (the image's user app is uid 1654)");
                }

                if (own.Bool("allowPrivilegeEscalation") != false)
                {
                    problems.Add($"{where}: allowPrivilegeEscalation is not false");
                }
            }
        }

        Assert.True(problems.Count == 0, $"{dir}:\n{string.Join('\n', problems)}");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_deployment_gives_the_services_time_to_drain_before_SIGKILL(string dir)
    {
        // On SIGTERM the bus finishes the messages in hand within 30 s and the host waits up to 40 s for it.
        var tooShort = Rendering.Of(dir).Deployments
            .Select(d => (d.Name, Grace: d.PodSpec.Int("terminationGracePeriodSeconds")))
            .Where(d => d.Grace is null || d.Grace <= Services.HostShutdownSeconds)
            .Select(d => $"{d.Name}: terminationGracePeriodSeconds {d.Grace?.ToString(CultureInfo.InvariantCulture) ?? "unset (30)"}, " +
                $"not more than the {Services.HostShutdownSeconds} s a service takes to stop");

        Assert.Empty(tooShort);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_pod_is_labelled_selected_and_scraped(string dir)
    {
        var problems = new List<string>();
        foreach (var deployment in Rendering.Of(dir).Deployments)
        {
            var labels = deployment.Body.StringMap("spec", "template", "metadata", "labels");
            if (labels.GetValueOrDefault("app.kubernetes.io/name") != deployment.Name)
            {
                problems.Add($"{deployment}: pod label app.kubernetes.io/name is not '{deployment.Name}'");
            }

            var selector = deployment.Body.StringMap("spec", "selector", "matchLabels");
            if (selector.Count == 0 || selector.Any(s => labels.GetValueOrDefault(s.Key) != s.Value))
            {
                problems.Add($"{deployment}: the selector does not match the pod labels");
            }

            var annotations = deployment.Body.StringMap("spec", "template", "metadata", "annotations");
            if (annotations.GetValueOrDefault("prometheus.io/scrape") != "true"
                || annotations.GetValueOrDefault("prometheus.io/port") != Services.Port.ToString(CultureInfo.InvariantCulture)
                || (annotations.GetValueOrDefault("prometheus.io/path") ?? Services.MetricsPath) != Services.MetricsPath)
            {
                problems.Add($"{deployment}: no prometheus.io scrape annotations for :{Services.Port}{Services.MetricsPath}");
            }

            foreach (var container in deployment.AllContainers)
            {
                var image = container.Str("image") ?? "";
                var repository = image.Split('@')[0];
                var slash = repository.LastIndexOf('/');
                var colon = repository.LastIndexOf(':');
                var imageName = (colon > slash ? repository[..colon] : repository)[(slash + 1)..];
                if (imageName != deployment.Name)
                {
                    problems.Add($"{deployment}: runs image '{image}', not the {deployment.Name} service's");
                }
            }
        }

        Assert.True(problems.Count == 0, $"{dir}:\n{string.Join('\n', problems)}");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_service_gets_its_connections_from_the_secret(string dir)
    {
        var rendering = Rendering.Of(dir);
        var docs = SecretDocs.Read("deploy/k8s/README.md", Services.ConnectionSecret);
        var problems = new List<string>();
        foreach (var deployment in rendering.Deployments)
        {
            var needed = Services.UsingPostgres.Contains(deployment.Name) ? Services.SecretKeys : ["RABBITMQ_URL"];
            foreach (var container in deployment.Containers)
            {
                var env = deployment.Environment(container);
                foreach (var key in needed)
                {
                    if (env.GetValueOrDefault(key)?.Secret != (docs.Name, key))
                    {
                        problems.Add($"{deployment}: {key} does not come from key {key} of Secret {docs.Name}");
                    }
                }

                // The migration role is for the migrate init containers only.
                problems.AddRange(env.Values
                    .Where(v => v.Secret?.Key == Services.MigrationKey)
                    .Select(v => $"{deployment} container {container.Str("name")}: {v.Name} comes from {Services.MigrationKey}, the migration role's"));
            }

            // No credentials in a manifest: the secret variables never come as literal or ConfigMap values.
            foreach (var container in deployment.AllContainers)
            {
                var env = deployment.Environment(container);
                foreach (var key in Services.SecretKeys.Where(k => env.TryGetValue(k, out var v) && v.Secret is null))
                {
                    problems.Add($"{deployment} container {container.Str("name")}: {key} is set without a secretKeyRef");
                }
            }
        }

        Assert.True(problems.Count == 0, $"{dir}:\n{string.Join('\n', problems)}");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_secret_reference_names_a_documented_key(string dir)
    {
        var rendering = Rendering.Of(dir);
        var docs = SecretDocs.ReadAll("deploy/k8s/README.md");
        var references = new List<(string Where, string Secret, string Key)>();
        foreach (var deployment in rendering.Deployments)
        {
            foreach (var container in deployment.AllContainers)
            {
                references.AddRange(deployment.Environment(container).Values
                    .Where(v => v.Secret is not null)
                    .Select(v => ($"{deployment} env {v.Name}", v.Secret!.Value.Name, v.Secret.Value.Key)));
            }
        }

        foreach (var auth in rendering.OfKind("TriggerAuthentication"))
        {
            references.AddRange(auth.Body.List("spec", "secretTargetRef")
                .Select(r => ($"{auth} parameter {r.Str("parameter")}", r.Str("name") ?? "", r.Str("key") ?? "")));
        }

        Assert.NotEmpty(references);
        var undocumented = references
            .Where(r => !docs.Any(d => d.Name == r.Secret && d.Keys.Contains(r.Key)))
            .Select(r => $"{r.Where}: Secret {r.Secret} key {r.Key}");
        Assert.True(!undocumented.Any(),
            $"{dir}: references to keys that deploy/k8s/README.md does not tell users to create " +
            $"(it documents {string.Join("; ", docs.Select(d => $"Secret {d.Name} with {string.Join(", ", d.Keys)}"))}):\n{string.Join('\n', undocumented)}");
        Assert.Empty(rendering.OfKind("Secret"));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_schema_is_migrated_before_a_service_starts_by_an_init_container_with_the_migration_role(string dir)
    {
        var rendering = Rendering.Of(dir);
        var docs = SecretDocs.Read("deploy/k8s/README.md", Services.ConnectionSecret);
        var problems = new List<string>();
        foreach (var deployment in rendering.Deployments)
        {
            var migrations = deployment.InitContainers.Where(c => c.Str("name") == "migrate").ToList();
            if (!Services.MigratedBeforeStart.Contains(deployment.Name))
            {
                problems.AddRange(migrations.Select(_ => $"{deployment}: a migrate init container, but {deployment.Name} has no migrate command"));
                continue;
            }

            if (migrations.Count != 1)
            {
                problems.Add($"{deployment}: {migrations.Count} init containers named migrate, not 1");
                continue;
            }

            // The image's entrypoint runs the service: the command replaces it with the migrate verb of the service's own dll.
            var migrate = migrations[0];
            var command = migrate.List("command").Concat(migrate.List("args")).Select(a => a.Str()).ToList();
            var expected = new[] { "dotnet", $"{Services.Project(deployment.Name)}.dll", "migrate" };
            if (!command.SequenceEqual(expected))
            {
                problems.Add($"{deployment}: the migrate init container runs [{string.Join(' ', command)}], not [{string.Join(' ', expected)}]");
            }

            var env = deployment.Environment(migrate);
            if (env.GetValueOrDefault("POSTGRES_CONNECTION")?.Secret != (docs.Name, Services.MigrationKey))
            {
                problems.Add($"{deployment}: the migrate init container's POSTGRES_CONNECTION does not come from key {Services.MigrationKey} of Secret {docs.Name}");
            }

            // The service's own container keeps its own role (checked for every key in Every_service_gets_its_connections_from_the_secret).
            var service = deployment.Containers.FirstOrDefault(c => c.Str("name") == deployment.Name);
            if (service is null || deployment.Environment(service).GetValueOrDefault("POSTGRES_CONNECTION")?.Secret != (docs.Name, "POSTGRES_CONNECTION"))
            {
                problems.Add($"{deployment}: container {deployment.Name} does not read POSTGRES_CONNECTION from key POSTGRES_CONNECTION of Secret {docs.Name}");
            }
        }

        Assert.True(problems.Count == 0, $"{dir}:\n{string.Join('\n', problems)}");
    }

    [Fact]
    public void The_participant_services_consume_exactly_the_participants_of_the_contracts()
    {
        // A participant added to Participants (and to a deliberation of the workflow) with no service consuming its
        // queue would leave its deliberations waiting forever: each one is consumed by exactly one service.
        var consumed = Services.ParticipantServices.Values.SelectMany(queues => queues).ToList();

        Assert.Equal(Participants.All.Order(StringComparer.Ordinal), consumed.Order(StringComparer.Ordinal));
        Assert.Equal(Participants.IncidentApproval.Order(StringComparer.Ordinal), Services.Queues["reviewers"].Order(StringComparer.Ordinal));
        Assert.Equal(Services.Queues.Values.Sum(q => q.Count), Services.Queues.Values.SelectMany(q => q).Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_queue_of_every_scalable_service_has_one_scaled_object_trigger_on_its_deployment(string dir)
    {
        var rendering = Rendering.Of(dir);
        var scaledObjects = rendering.OfKind("ScaledObject").ToList();
        var triggers = scaledObjects
            .SelectMany(s => s.Body.List("spec", "triggers").Where(t => t.Str("type") == "rabbitmq").Select(t => (Scaled: s, Trigger: t)))
            .ToList();
        var problems = new List<string>();
        foreach (var (service, queues) in Services.Queues)
        {
            if (rendering.Find("Deployment", service) is null)
            {
                problems.Add($"Deployment {service} is not rendered");
            }
            else if (rendering.Deployment(service).Body.At("spec", "replicas") is not null)
            {
                problems.Add($"Deployment {service}: sets spec.replicas, which KEDA's HPA owns (an apply would reset it)");
            }

            foreach (var queue in queues)
            {
                var onQueue = triggers.Where(t => t.Trigger.Str("metadata", "queueName") == queue).ToList();
                if (onQueue.Count != 1)
                {
                    problems.Add($"queue {queue}: {onQueue.Count} rabbitmq triggers on it ({string.Join(", ", onQueue.Select(t => t.Scaled))}), not 1");
                    continue;
                }

                var (scaled, trigger) = onQueue[0];
                var target = scaled.Body.Str("spec", "scaleTargetRef", "name");
                if (target != service || (scaled.Body.Str("spec", "scaleTargetRef", "kind") ?? "Deployment") != "Deployment")
                {
                    problems.Add($"{scaled}: scales '{target}' on queue {queue}, not Deployment {service} (the service consuming queue {queue})");
                }

                if (trigger.Str("metadata", "mode") != "QueueLength"
                    || !double.TryParse(trigger.Str("metadata", "value"), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                    || value <= 0)
                {
                    problems.Add($"{scaled}: the rabbitmq trigger on queue {queue} is not mode QueueLength with a positive value");
                }

                if (trigger.At("metadata", "host") is not null)
                {
                    problems.Add($"{scaled}: the broker host (with its credentials) is in the metadata of the trigger on queue {queue}, not in the TriggerAuthentication");
                }

                var auth = trigger.Str("authenticationRef", "name");
                var host = auth is null
                    ? null
                    : rendering.Find("TriggerAuthentication", auth)?.Body.List("spec", "secretTargetRef").FirstOrDefault(r => r.Str("parameter") == "host");
                if (host is null || host.Str("key") != "RABBITMQ_URL")
                {
                    problems.Add($"{scaled}: the trigger on queue {queue} has authenticationRef '{auth}', not a rendered TriggerAuthentication reading host from RABBITMQ_URL");
                }
            }
        }

        foreach (var scaled in scaledObjects)
        {
            var target = scaled.Body.Str("spec", "scaleTargetRef", "name");
            if (target is null || !Services.Queues.TryGetValue(target, out var consumed))
            {
                problems.Add($"{scaled}: scales '{target}', which is not a scalable service ({string.Join(", ", Services.Scalable)})");
                continue;
            }

            // A trigger on a queue the Deployment does not consume scales it on someone else's backlog.
            problems.AddRange(triggers
                .Where(t => t.Scaled == scaled && !consumed.Contains(t.Trigger.Str("metadata", "queueName") ?? ""))
                .Select(t => $"{scaled}: a rabbitmq trigger on queue '{t.Trigger.Str("metadata", "queueName")}', which {target} does not consume ({string.Join(", ", consumed)})"));

            var min = scaled.Body.Int("spec", "minReplicaCount");
            var max = scaled.Body.Int("spec", "maxReplicaCount");
            if (min is null or < 1 || max is null || max < min)
            {
                problems.Add($"{scaled}: replicas {min}..{max}; a scalable service keeps at least one replica (minReplicaCount >= 1 <= maxReplicaCount)");
            }
        }

        var targets = scaledObjects.Select(s => s.Body.Str("spec", "scaleTargetRef", "name")).ToList();
        problems.AddRange(targets.GroupBy(t => t).Where(g => g.Count() > 1).Select(g => $"{g.Count()} ScaledObjects scale {g.Key} (KEDA allows one)"));

        Assert.True(problems.Count == 0, $"{dir}:\n{string.Join('\n', problems)}");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Every_trigger_of_every_scaled_object_watches_the_vhost_its_deployment_uses(string dir)
    {
        var rendering = Rendering.Of(dir);
        var scaledObjects = rendering.OfKind("ScaledObject").ToList();
        var problems = new List<string>();
        Assert.NotEmpty(scaledObjects);
        foreach (var scaled in scaledObjects)
        {
            var target = scaled.Body.Str("spec", "scaleTargetRef", "name") ?? "";
            if (rendering.Find("Deployment", target) is null)
            {
                problems.Add($"{scaled}: scales '{target}', which is not a rendered Deployment");
                continue;
            }

            var deployment = rendering.Deployment(target);
            var vhost = deployment.Environment(deployment.Containers[0]).GetValueOrDefault("RABBITMQ_VHOST")?.Value ?? "/";
            var triggers = scaled.Body.List("spec", "triggers").Select((t, i) => (Trigger: t, Index: i)).Where(t => t.Trigger.Str("type") == "rabbitmq").ToList();
            if (triggers.Count == 0)
            {
                problems.Add($"{scaled}: no rabbitmq trigger");
            }

            foreach (var (trigger, index) in triggers)
            {
                if (trigger.Str("metadata", "vhostName") != vhost)
                {
                    problems.Add($"{scaled}: trigger {index} (queue {trigger.Str("metadata", "queueName")}) has vhostName '{trigger.Str("metadata", "vhostName")}', " +
                        $"but {deployment} uses RABBITMQ_VHOST '{vhost}'");
                }
            }
        }

        Assert.True(problems.Count == 0, $"{dir}:\n{string.Join('\n', problems)}");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_orchestrator_runs_two_replicas_and_is_not_autoscaled(string dir)
    {
        var rendering = Rendering.Of(dir);

        var replicas = rendering.Deployment("orchestrator").Body.Int("spec", "replicas") ?? 1;

        Assert.True(replicas >= 2, $"{dir}: the orchestrator runs {replicas} replica(s); at least 2 for availability");
        Assert.DoesNotContain(rendering.OfKind("ScaledObject"), s => s.Body.Str("spec", "scaleTargetRef", "name") == "orchestrator");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void There_is_one_notification_worker(string dir)
    {
        var scaled = Rendering.Of(dir).OfKind("ScaledObject").Where(s => s.Body.Str("spec", "scaleTargetRef", "name") == "notification").ToList();

        var only = Assert.Single(scaled);
        Assert.Equal(1, only.Body.Int("spec", "maxReplicaCount"));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_orchestrator_reads_the_workflow_from_a_config_map_of_deploy_workflows_yaml(string dir)
    {
        var rendering = Rendering.Of(dir);
        var orchestrator = rendering.Deployment("orchestrator");
        var container = Assert.Single(orchestrator.Containers);
        var path = orchestrator.Environment(container).GetValueOrDefault("Orchestrator__WorkflowPath")?.Value;
        Assert.False(string.IsNullOrEmpty(path), $"{dir}: the orchestrator does not set Orchestrator__WorkflowPath");

        // The mount that holds the file: the file itself (subPath) or a folder above it.
        string? key = null;
        IDictionary<object, object?>? volume = null;
        foreach (var mount in container.List("volumeMounts"))
        {
            var mountPath = mount.Str("mountPath")?.TrimEnd('/') ?? "";
            var subPath = mount.Str("subPath");
            string? file = subPath is not null
                ? (path == mountPath ? subPath : null)
                : (path!.StartsWith(mountPath + "/", StringComparison.Ordinal) ? path[(mountPath.Length + 1)..] : null);
            if (file is null)
            {
                continue;
            }

            volume = orchestrator.PodSpec.List("volumes").OfType<IDictionary<object, object?>>().FirstOrDefault(v => v.Str("name") == mount.Str("name"));
            // A volume's items map keys to file names; without items each key is a file.
            var items = volume.List("configMap", "items");
            key = items.Count == 0 ? file : items.FirstOrDefault(i => i.Str("path") == file)?.Str("key");
        }

        Assert.True(volume is not null, $"{dir}: no volume of the orchestrator is mounted at {path} (Orchestrator__WorkflowPath)");
        var configMapName = volume.Str("configMap", "name");
        Assert.True(configMapName is not null, $"{dir}: the volume mounted at {path} is not a ConfigMap");
        var configMap = rendering.Find("ConfigMap", configMapName);
        Assert.True(configMap is not null, $"{dir}: ConfigMap {configMapName} (the workflow) is not rendered");
        var data = configMap.Body.StringMap("data");
        Assert.True(key is not null && data.ContainsKey(key), $"{dir}: ConfigMap {configMapName} has no key for {path}");

        Assert.True(Repo.ReadText("deploy/workflows.yaml") == data[key],
            $"{dir}: ConfigMap {configMapName} ({key}) is not deploy/workflows.yaml; " +
            "after editing deploy/workflows.yaml run: cp deploy/workflows.yaml deploy/k8s/base/workflows.yaml");
    }

    [Fact]
    public void The_workflow_copy_in_the_base_is_deploy_workflows_yaml()
    {
        // kustomize reads no file outside the kustomization's folder, so base/ holds a copy.
        var copy = File.ReadAllBytes(Repo.PathOf("deploy/k8s/base/workflows.yaml"));
        var original = File.ReadAllBytes(Repo.PathOf("deploy/workflows.yaml"));

        Assert.True(original.AsSpan().SequenceEqual(copy),
            "deploy/k8s/base/workflows.yaml differs from deploy/workflows.yaml: cp deploy/workflows.yaml deploy/k8s/base/workflows.yaml");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_http_services_are_the_only_services_and_each_reaches_its_own_pods(string dir)
    {
        var rendering = Rendering.Of(dir);
        var services = rendering.OfKind("Service").ToList();
        var problems = new List<string>();

        Assert.Equal(Services.Http.Order(StringComparer.Ordinal), services.Select(s => s.Name).Order(StringComparer.Ordinal));
        foreach (var service in services)
        {
            var selector = service.Body.StringMap("spec", "selector");
            var selected = rendering.Deployments
                .Where(d => selector.Count > 0 && selector.All(s => d.Body.StringMap("spec", "template", "metadata", "labels").GetValueOrDefault(s.Key) == s.Value))
                .Select(d => d.Name)
                .ToList();
            if (selected.Count != 1 || selected[0] != service.Name)
            {
                problems.Add($"{service} selects the pods of [{string.Join(", ", selected)}], not those of Deployment {service.Name} only");
                continue;
            }

            var ports = Assert.Single(rendering.Deployment(service.Name).Containers).List("ports");
            foreach (var port in service.Body.List("spec", "ports"))
            {
                var target = port.Str("targetPort") ?? port.Str("port");
                var resolved = int.TryParse(target, out var number) ? number : ports.FirstOrDefault(p => p.Str("name") == target).Int("containerPort");
                if (resolved != Services.Port)
                {
                    problems.Add($"{service} port {port.Str("port")} goes to {target}, not the {service.Name} container's {Services.Port}");
                }
            }
        }

        Assert.True(problems.Count == 0, $"{dir}:\n{string.Join('\n', problems)}");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_ingress_is_scaled_on_cpu_by_one_hpa_and_not_by_keda(string dir)
    {
        var rendering = Rendering.Of(dir);
        var ingress = rendering.Deployment(Services.Ingress);
        var problems = new List<string>();

        // It consumes no queue: KEDA has nothing to count. The one HPA is the ingress's.
        var hpa = Assert.Single(rendering.OfKind("HorizontalPodAutoscaler"));
        if (hpa.Body.Str("spec", "scaleTargetRef", "name") != Services.Ingress
            || hpa.Body.Str("spec", "scaleTargetRef", "kind") != "Deployment"
            || hpa.Body.Str("spec", "scaleTargetRef", "apiVersion") != "apps/v1")
        {
            problems.Add($"{hpa}: scales {hpa.Body.Str("spec", "scaleTargetRef", "apiVersion")} {hpa.Body.Str("spec", "scaleTargetRef", "kind")} " +
                $"'{hpa.Body.Str("spec", "scaleTargetRef", "name")}', not apps/v1 Deployment {Services.Ingress}");
        }

        var cpu = hpa.Body.List("spec", "metrics")
            .Where(m => m.Str("type") == "Resource" && m.Str("resource", "name") == "cpu" && m.Str("resource", "target", "type") == "Utilization")
            .Select(m => m.Int("resource", "target", "averageUtilization"))
            .ToList();
        if (cpu.Count != 1 || cpu[0] is not (> 0 and <= 100))
        {
            problems.Add($"{hpa}: not one cpu Utilization metric with an averageUtilization in 1..100");
        }

        var min = hpa.Body.Int("spec", "minReplicas");
        var max = hpa.Body.Int("spec", "maxReplicas");
        if (min is null or < 2 || max is null || max < min)
        {
            problems.Add($"{hpa}: replicas {min}..{max}; the front door keeps at least 2 for availability (minReplicas >= 2 <= maxReplicas)");
        }

        if (ingress.Body.At("spec", "replicas") is not null)
        {
            problems.Add($"{ingress}: sets spec.replicas, which the HPA owns (an apply would reset it)");
        }

        // Utilization is a share of the request: without one the HPA cannot compute it and never scales.
        problems.AddRange(ingress.Containers
            .Where(c => string.IsNullOrWhiteSpace(c.Str("resources", "requests", "cpu")))
            .Select(c => $"{ingress} container {c.Str("name")}: no resources.requests.cpu for the HPA's utilization"));

        problems.AddRange(rendering.OfKind("ScaledObject")
            .Where(s => s.Body.Str("spec", "scaleTargetRef", "name") == Services.Ingress)
            .Select(s => $"{s}: KEDA scales {Services.Ingress} too (two autoscalers would fight)"));

        Assert.True(problems.Count == 0, $"{dir}:\n{string.Join('\n', problems)}");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void The_ingress_credentials_come_only_from_its_secret_never_as_values(string dir)
    {
        var rendering = Rendering.Of(dir);
        var ingress = rendering.Deployment(Services.Ingress);
        var docs = SecretDocs.Read("deploy/k8s/README.md", Services.IngressSecret);
        var problems = new List<string>();

        foreach (var container in ingress.Containers)
        {
            var env = ingress.Environment(container);
            foreach (var (variable, key) in Services.IngressSources)
            {
                if (env.GetValueOrDefault(variable)?.Secret != (docs.Name, key))
                {
                    problems.Add($"{ingress}: {variable} does not come from key {key} of Secret {docs.Name}");
                }
            }
        }

        // A token, password or HMAC secret of a source: by secretKeyRef only, in every Deployment and no ConfigMap.
        foreach (var deployment in rendering.Deployments)
        {
            foreach (var container in deployment.AllContainers)
            {
                problems.AddRange(deployment.Environment(container).Values
                    .Where(v => Services.IsIngressCredential(v.Name) && v.Secret is null)
                    .Select(v => $"{deployment}: {v.Name} is set without a secretKeyRef"));
            }
        }

        foreach (var configMap in rendering.OfKind("ConfigMap"))
        {
            problems.AddRange(configMap.Body.StringMap("data").Keys
                .Where(Services.IsIngressCredential)
                .Select(k => $"{configMap}: holds {k}"));
        }

        Assert.True(problems.Count == 0, $"{dir}:\n{string.Join('\n', problems)}");
    }

    [Fact]
    public void The_sample_overlay_pins_registry_images_and_exports_telemetry_from_every_service()
    {
        var problems = new List<string>();
        foreach (var deployment in Rendering.Of(Sample).Deployments)
        {
            foreach (var container in deployment.AllContainers)
            {
                var image = container.Str("image") ?? "";
                var lastSegment = image[(image.LastIndexOf('/') + 1)..];
                if (!image.Contains('/') || !image.Split('/')[0].Contains('.') || !lastSegment.Contains(':') || image.EndsWith(":latest", StringComparison.Ordinal))
                {
                    problems.Add($"{deployment}: image '{image}' is not a registry image with a pinned tag");
                }

                var endpoint = deployment.Environment(container).GetValueOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT")?.Value;
                if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    problems.Add($"{deployment}: OTEL_EXPORTER_OTLP_ENDPOINT is '{endpoint}', not an http(s) URL");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void No_secret_is_committed_under_deploy_k8s()
    {
        var root = Repo.PathOf("deploy/k8s");
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Repo.Root, file).Replace('\\', '/');
            var text = File.ReadAllText(file);
            var lines = text.Split('\n');
            // Text first, so that a file no YAML parser reads (a template, a Markdown sample) is covered too.
            // An object's kind is a top-level key: at the start of a line.
            problems.AddRange(lines
                .Select((line, i) => (Line: line.TrimEnd(), Number: i + 1))
                .Where(l => System.Text.RegularExpressions.Regex.IsMatch(l.Line, @"^kind:\s*[""']?Secret[""']?\s*(#.*)?$"))
                .Select(l => $"{relative}:{l.Number}: {l.Line}"));

            if (Path.GetExtension(file) is ".yaml" or ".yml" or ".json")
            {
                var documents = Yaml.LoadAll(text);
                problems.AddRange(documents.Concat(documents.SelectMany(d => d.List("items")).OfType<object>())
                    .Where(d => d.Str("kind") == "Secret")
                    .Select(d => $"{relative}: a Secret named {d.Str("metadata", "name")}"));
                problems.AddRange(documents.Where(d => d.At("secretGenerator") is not null).Select(_ => $"{relative}: a secretGenerator"));
            }
        }

        Assert.True(problems.Count == 0, "Secrets are created in the cluster by hand (deploy/k8s/README.md), never committed:\n" + string.Join('\n', problems));
    }

    [Fact]
    public void The_two_places_that_tell_how_to_create_the_secrets_agree()
    {
        static string Describe(IEnumerable<SecretDocs> secrets) => string.Join("; ", secrets
            .OrderBy(s => s.Name, StringComparer.Ordinal)
            .Select(s => $"{s.Name}: {string.Join(", ", s.Keys.Order(StringComparer.Ordinal))}"));

        var readme = Describe(SecretDocs.ReadAll("deploy/k8s/README.md"));
        var kustomization = Describe(SecretDocs.ReadAll("deploy/k8s/base/kustomization.yaml"));
        var expected = Describe(Services.Secrets.Select(s => new SecretDocs("Services", s.Key, s.Value.ToHashSet(StringComparer.Ordinal))));

        Assert.Equal(readme, kustomization);
        Assert.Equal(expected, readme);
    }

    private static void CheckProbe(List<string> problems, string where, object? container, string probe, string path)
    {
        var http = container.At(probe, "httpGet");
        if (http is null)
        {
            problems.Add($"{where}: no {probe}.httpGet");
            return;
        }

        if (http.Str("path") != path)
        {
            problems.Add($"{where}: {probe} on '{http.Str("path")}', not {path}");
        }

        var port = http.Str("port");
        var number = int.TryParse(port, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : container.List("ports").FirstOrDefault(p => p.Str("name") == port).Int("containerPort");
        if (number != Services.Port)
        {
            problems.Add($"{where}: {probe} on port '{port}' ({number?.ToString(CultureInfo.InvariantCulture) ?? "no such port"}), not {Services.Port}");
        }
    }
}
