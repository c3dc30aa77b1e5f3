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
    public void Default_catalog_path_is_found_by_walking_up_to_the_repository()
    {
        var options = new RemediationOptions();

        Assert.Equal("Remediation", RemediationOptions.SectionName);
        Assert.True(options.DryRun);
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
    [InlineData("appliesTo: [regression]", "appliesTo: [outage]", "appliesTo 'outage' is not one of regression, capacity, dependency, known-issue, unknown")]
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
