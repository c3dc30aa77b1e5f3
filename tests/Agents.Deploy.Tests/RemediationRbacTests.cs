using Agents.Deploy.Tests.Support;

namespace Agents.Deploy.Tests;

/// <summary>
/// deploy/k8s gives the remediation service its own ServiceAccount with the least it needs for the runbook catalog's
/// Kubernetes steps, and no other service a Kubernetes token.
/// </summary>
public sealed class RemediationRbacTests
{
    [Theory]
    [MemberData(nameof(KubernetesManifestTests.Kustomizations), MemberType = typeof(KubernetesManifestTests))]
    public void The_remediation_role_may_read_and_patch_deployments_and_read_replicasets_and_nothing_else(string dir)
    {
        var rendering = Rendering.Of(dir);

        var roles = rendering.OfKind("Role").Concat(rendering.OfKind("ClusterRole")).ToList();
        var role = Assert.Single(roles);
        Assert.Equal("Role", role.Kind);
        var rules = role.Body.List("rules")
            .SelectMany(rule => rule.List("apiGroups").SelectMany(group => rule.List("resources").Select(resource =>
                (Group: group?.ToString(), Resource: resource?.ToString(), Verbs: string.Join(",", rule.List("verbs").Select(v => v?.ToString()).Order(StringComparer.Ordinal))))))
            .OrderBy(r => r.Resource, StringComparer.Ordinal)
            .ToList();
        Assert.Equal([("apps", "deployments", "get,list,patch"), ("apps", "replicasets", "get,list")], rules);
        Assert.DoesNotContain(role.Body.List("rules"), rule => rule.List("resourceNames").Count > 0 || rule.List("nonResourceURLs").Count > 0);
        Assert.Empty(rendering.OfKind("ClusterRoleBinding"));
    }

    [Theory]
    [MemberData(nameof(KubernetesManifestTests.Kustomizations), MemberType = typeof(KubernetesManifestTests))]
    public void The_role_is_bound_to_the_remediation_service_account_which_only_the_remediation_pods_use(string dir)
    {
        var rendering = Rendering.Of(dir);
        var role = Assert.Single(rendering.OfKind("Role"));

        var binding = Assert.Single(rendering.OfKind("RoleBinding"));
        Assert.Equal(("Role", role.Name), (binding.Body.Str("roleRef", "kind"), binding.Body.Str("roleRef", "name")));
        var subject = Assert.Single(binding.Body.List("subjects"));
        var account = Assert.Single(rendering.OfKind("ServiceAccount"));
        Assert.Equal(("ServiceAccount", account.Name, "agents"), (subject.Str("kind"), subject.Str("name"), subject.Str("namespace")));
        Assert.False(account.Body.Bool("automountServiceAccountToken") ?? true, $"{account}: the token is mounted only where a pod asks for it");

        var remediation = rendering.Deployment("remediation");
        Assert.Equal(account.Name, remediation.PodSpec.Str("serviceAccountName"));
        Assert.True(remediation.PodSpec.Bool("automountServiceAccountToken"), "the remediation pods mount the token their Kubernetes steps use");
        Assert.Equal("true", remediation.Environment(remediation.Containers[0])["Remediation__Kubernetes__InCluster"].Value);
        var others = rendering.Deployments
            .Where(d => d.Name != "remediation" && (d.PodSpec.Bool("automountServiceAccountToken") != false || d.PodSpec.Str("serviceAccountName") is not null))
            .Select(d => d.ToString())
            .ToList();
        Assert.True(others.Count == 0, $"{dir}: only the remediation pods get a Kubernetes token: {string.Join(", ", others)}");
    }
}
