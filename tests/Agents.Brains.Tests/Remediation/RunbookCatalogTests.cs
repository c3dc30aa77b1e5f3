using Agents.Brains.Tests.Support;
using Agents.Remediation.Brain;
using Agents.Remediation.Runbooks;

namespace Agents.Brains.Tests.Remediation;

public sealed class RunbookCatalogTests
{
    private const string ValidAction = """
        actions:
          - id: rollback
            description: Roll back
            appliesTo: [regression]
            parameters:
              service: { type: service }
              to_version: { type: version, required: true }
            steps:
              - "roll back {service} to {to_version}"
        """;

    [Fact]
    public void Repository_catalog_loads_with_rollback_scale_out_and_restart_pods()
    {
        var catalog = RunbookCatalog.Load(RepositoryRoot.File("deploy/runbooks.yaml"));

        Assert.Equal(["rollback", "scale-out", "restart-pods"], catalog.Actions.Select(a => a.Id));
        Assert.True(catalog.TryGet("rollback", out var rollback));
        Assert.Contains("regression", rollback.AppliesTo);
        Assert.Equal(RunbookParameterType.Service, rollback.Parameters["service"].Type);
        Assert.Equal(RunbookParameterType.Version, rollback.Parameters["to_version"].Type);
        Assert.Equal(["roll back {service} to {to_version}", "invalidate caches of {service}", "restart pods of {service}"], rollback.Steps);
        Assert.True(catalog.TryGet("scale-out", out var scaleOut));
        Assert.Equal(new RunbookParameter("replicas_added", RunbookParameterType.Integer, true, 1, 10), scaleOut.Parameters["replicas_added"]);
        Assert.Contains("capacity", scaleOut.AppliesTo);
    }

    [Fact]
    public void Repository_catalog_runs_kubernetes_steps()
    {
        var catalog = CatalogFixture.Catalog;

        Assert.True(catalog.TryGet("rollback", out var rollback));
        Assert.Equal(
            new KubernetesStep { Operation = KubernetesOperation.Rollback, ToVersion = "{to_version}", Index = 0 },
            Assert.Single(rollback.Run));
        Assert.True(catalog.TryGet("scale-out", out var scaleOut));
        Assert.Equal(
            new KubernetesStep { Operation = KubernetesOperation.Scale, Add = "{replicas_added}", MaxReplicas = 20 },
            Assert.Single(scaleOut.Run));
        Assert.True(catalog.TryGet("restart-pods", out var restart));
        Assert.Equal(KubernetesOperation.Restart, Assert.IsType<KubernetesStep>(Assert.Single(restart.Run)).Operation);
        Assert.All(catalog.Actions, a => Assert.True(a.IsExecutable));
    }

    [Fact]
    public void Redis_step_loads_with_its_patterns_and_no_flush_unless_written()
    {
        var catalog = RunbookCatalog.Parse(RunAction, "test");

        var redis = Assert.IsType<RedisStep>(catalog.Actions[0].Run[1]);
        Assert.Equal((1, false), (redis.Index, redis.Flush));
        Assert.Equal(["{service}:cache:*"], redis.Unlink);
        var flush = RunbookCatalog.Parse(RunAction.Replace("unlink: [\"{service}:cache:*\"]", "flush: true", StringComparison.Ordinal), "test");
        Assert.Equal((true, 0), (Assert.IsType<RedisStep>(flush.Actions[0].Run[1]).Flush, Assert.IsType<RedisStep>(flush.Actions[0].Run[1]).Unlink.Count));
    }

    [Fact]
    public void Action_without_run_loads_and_cannot_be_executed()
    {
        var catalog = RunbookCatalog.Parse(ValidAction, "test");

        Assert.Empty(catalog.Actions[0].Run);
        Assert.False(catalog.Actions[0].IsExecutable);
    }

    [Fact]
    public void Http_step_loads_with_its_method_url_body_and_secret_names()
    {
        var catalog = RunbookCatalog.Parse(HttpAction("""body: '{"id": {revision}, "app": "{service}"}'""", "auth: { hmac: DEPLOY_HMAC_KEY, header: X-Hub-Signature-256 }"), "test");

        var step = Assert.IsType<HttpStep>(Assert.Single(catalog.Actions[0].Run));
        Assert.Equal(("POST", "https://argocd.example.internal/api/v1/applications/{service}/rollback"), (step.Method, step.Url));
        Assert.Equal("""{"id": {revision}, "app": "{service}"}""", step.Body);
        Assert.Equal(new HttpStepAuth { Hmac = "DEPLOY_HMAC_KEY", Header = "X-Hub-Signature-256" }, step.Auth);
        Assert.Equal("DEPLOY_HMAC_KEY", step.Auth!.SecretName);
    }

    [Theory]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- kubernetes: { operation: delete }", "run[0]: kubernetes operation 'delete' is not one of rollback, restart, scale")]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- kubernetes: { operation: rollback }", "run[0]: rollback needs toVersion")]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- kubernetes: { operation: rollback, toVersion: \"{service}\" }", "toVersion '{service}' must be one parameter of type version")]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- kubernetes: { operation: rollback, toVersion: \"{release}\" }", "uses '{release}', which is not a declared parameter")]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- kubernetes: { operation: restart, toVersion: \"{to_version}\" }", "toVersion applies to rollback only, not to restart")]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- kubernetes: { operation: scale, add: \"2\" }", "scale needs maxReplicas")]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- kubernetes: { operation: scale, add: \"-2\", maxReplicas: 5 }", "add '-2' must be a positive whole number")]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- kubernetes: { operation: scale, add: \"{service}\", maxReplicas: 5 }", "add '{service}' must be an integer parameter with min 1 or more")]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- kubernetes: { operation: rollback, toVersion: \"{to_version}\", namespace: kube-system }", "namespace")]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- {}", "run[0] must be exactly one of kubernetes, redis, http")]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- { redis: { flush: true }, kubernetes: { operation: restart } }", "run[0] must be exactly one of kubernetes, redis, http")]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- redis: { unlink: [] }", "redis needs unlink (key patterns) or flush: true")]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- redis: { unlink: [\"*\"] }", "matches every key; write flush: true")]
    [InlineData("- kubernetes: { operation: rollback, toVersion: \"{to_version}\" }", "- redis: { unlink: [\"{svc}:*\"] }", "uses '{svc}', which is not a declared parameter")]
    public void Invalid_run_step_is_refused_at_load(string replace, string with, string expected)
    {
        var yaml = RunAction.Replace(replace, with, StringComparison.Ordinal);
        Assert.NotEqual(RunAction, yaml);

        var ex = Assert.Throws<InvalidOperationException>(() => RunbookCatalog.Parse(yaml, "runbooks.yaml"));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "auth: { bearer: ARGOCD_TOKEN }", "url: \"https://argocd.example.internal/api/v1/applications/{service}/rollback\"", "url: \"/api/v1/applications/{service}/rollback\"", "is not an absolute http or https address")]
    [InlineData("", "auth: { bearer: ARGOCD_TOKEN }", "url: \"https://argocd.example.internal/api/v1/applications/{service}/rollback\"", "url: \"file:///etc/{service}\"", "is not an absolute http or https address")]
    [InlineData("", "auth: { bearer: ARGOCD_TOKEN }", "method: POST", "method: TRACE", "http method 'TRACE' is not one of GET, POST, PUT, PATCH, DELETE")]
    [InlineData("body: '{\"id\": {service}}'", "auth: { bearer: ARGOCD_TOKEN }", "", "", "http body is not valid JSON once the parameters are filled in")]
    [InlineData("body: '{\"id\": {revision}'", "auth: { bearer: ARGOCD_TOKEN }", "", "", "http body is not valid JSON")]
    [InlineData("body: '{\"id\": {rev}}'", "auth: { bearer: ARGOCD_TOKEN }", "", "", "uses '{rev}', which is not a declared parameter")]
    [InlineData("", "auth: { bearer: ARGOCD_TOKEN, hmac: KEY }", "", "", "auth must name exactly one of bearer (a token) or hmac (a signing key)")]
    [InlineData("", "auth: { bearer: \"argocd token\" }", "", "", "it must be an environment variable name")]
    [InlineData("", "auth: { bearer: ARGOCD_TOKEN, header: X-Sig }", "", "", "auth header 'X-Sig' applies to hmac only")]
    [InlineData("", "auth: { token: ARGOCD_TOKEN }", "", "", "token")]
    public void Invalid_http_step_is_refused_at_load(string body, string auth, string replace, string with, string expected)
    {
        var yaml = HttpAction(body, auth);
        if (replace.Length > 0)
        {
            var changed = yaml.Replace(replace, with, StringComparison.Ordinal);
            Assert.NotEqual(yaml, changed);
            yaml = changed;
        }

        var ex = Assert.Throws<InvalidOperationException>(() => RunbookCatalog.Parse(yaml, "runbooks.yaml"));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_of_the_run_steps_is_reported_at_once()
    {
        var yaml = RunAction.Replace(
            "- redis: { unlink: [\"{service}:cache:*\"] }",
            "- redis: { unlink: [\"{nope}:*\"] }\n      - kubernetes: { operation: scale, add: \"0\", maxReplicas: 0 }",
            StringComparison.Ordinal);

        var ex = Assert.Throws<InvalidOperationException>(() => RunbookCatalog.Parse(yaml, "runbooks.yaml"));

        Assert.Contains("run[1] uses '{nope}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("run[2]: add '0' must be a positive whole number", ex.Message, StringComparison.Ordinal);
        Assert.Contains("run[2]: scale needs maxReplicas", ex.Message, StringComparison.Ordinal);
    }

    private const string RunAction = """
        actions:
          - id: rollback
            description: Roll back
            appliesTo: [regression]
            parameters:
              service: { type: service }
              to_version: { type: version }
            steps:
              - "roll back {service} to {to_version}"
            run:
              - kubernetes: { operation: rollback, toVersion: "{to_version}" }
              - redis: { unlink: ["{service}:cache:*"] }
        """;

    private static string HttpAction(string body, string auth) => $$"""
        actions:
          - id: argo-rollback
            description: Roll back through Argo CD
            appliesTo: [regression]
            parameters:
              service: { type: service }
              revision: { type: integer, min: 1 }
            steps:
              - "roll {service} back to revision {revision} in Argo CD"
            run:
              - http:
                  method: POST
                  url: "https://argocd.example.internal/api/v1/applications/{service}/rollback"
                  {{body}}
                  {{auth}}
        """;

    [Fact]
    public void Default_catalog_path_is_found_by_walking_up_to_the_repository()
    {
        var options = new RemediationOptions();

        Assert.Equal("Remediation", RemediationOptions.SectionName);
        Assert.Equal(Path.GetFullPath(RepositoryRoot.File("deploy/runbooks.yaml")), Path.GetFullPath(options.ResolveCatalogPath()));
    }

    [Fact]
    public void Parameter_is_required_unless_it_says_otherwise()
    {
        using var dir = new TempDirectory();
        var optional = ValidAction.Replace("{ type: service }", "{ type: service, required: false }", StringComparison.Ordinal);

        var catalog = RunbookCatalog.Load(dir.Write("runbooks.yaml", optional));

        Assert.True(catalog.TryGet("rollback", out var rollback));
        Assert.False(rollback.Parameters["service"].Required);
        Assert.True(rollback.Parameters["to_version"].Required);
        Assert.True(RunbookCatalog.Load(dir.Write("default.yaml", ValidAction)).Actions[0].Parameters["service"].Required);
    }

    [Fact]
    public void Missing_catalog_file_is_named()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "nope.yaml");

        var ex = Assert.Throws<InvalidOperationException>(() => RunbookCatalog.Load(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_yaml_is_reported_with_the_file_and_line()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("broken.yaml", "actions:\n  - id: rollback\n    steps: [\"unclosed\n");

        var ex = Assert.Throws<InvalidOperationException>(() => RunbookCatalog.Load(path));

        Assert.Contains($"'{path}' is not valid (line", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Misspelled_key_is_reported_rather_than_ignored()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("typo.yaml", ValidAction.Replace("appliesTo:", "applies_to:", StringComparison.Ordinal));

        var ex = Assert.Throws<InvalidOperationException>(() => RunbookCatalog.Load(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("applies_to", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ type: version, required: true }", "{ type: semver }", "parameter 'to_version' has the unknown type 'semver'")]
    [InlineData("{ type: version, required: true }", "{ required: true }", "parameter 'to_version' has no type")]
    [InlineData("{ type: version, required: true }", "{ type: version, min: 1 }", "min and max apply to integers only")]
    [InlineData("{ type: version, required: true }", "{ type: integer, min: 5, max: 2 }", "min 5 above max 2")]
    [InlineData("\"roll back {service} to {to_version}\"", "\"roll back {service} to {version}\"", "uses '{version}', which is not a declared parameter")]
    [InlineData("appliesTo: [regression]", "appliesTo: [outage]", "appliesTo 'outage' is not one of regression, capacity, dependency, known-issue, bad-config, certificate, disk, unknown")]
    [InlineData("appliesTo: [regression]", "appliesTo: []", "no appliesTo")]
    [InlineData("description: Roll back", "description: \"\"", "action 'rollback': no description")]
    [InlineData("id: rollback", "id: Roll Back", "the id must be lower-case letters, digits and dashes")]
    [InlineData("- \"roll back {service} to {to_version}\"", "[]", "no steps")]
    public void Invalid_action_is_refused_at_load_naming_the_file_and_the_problem(string replace, string with, string expected)
    {
        using var dir = new TempDirectory();
        var yaml = ValidAction.Replace(replace, with, StringComparison.Ordinal);
        Assert.NotEqual(ValidAction, yaml);
        var path = dir.Write("runbooks.yaml", yaml);

        var ex = Assert.Throws<InvalidOperationException>(() => RunbookCatalog.Load(path));

        Assert.Contains($"Runbook catalog '{path}' is invalid", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_action_ids_are_refused()
    {
        using var dir = new TempDirectory();
        var twice = ValidAction + "\n" + ValidAction["actions:\n".Length..];

        var ex = Assert.Throws<InvalidOperationException>(() => RunbookCatalog.Load(dir.Write("twice.yaml", twice)));

        Assert.Contains("action id 'rollback' is used more than once", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_without_actions_is_refused()
    {
        using var dir = new TempDirectory();

        var ex = Assert.Throws<InvalidOperationException>(() => RunbookCatalog.Load(dir.Write("empty.yaml", "# nothing yet\n")));

        Assert.Contains("there are no actions", ex.Message, StringComparison.Ordinal);
    }
}
