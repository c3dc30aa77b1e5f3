using System.Text.Json;
using Agents.Hosting;
using Agents.Orchestrator.Workflows;
using Microsoft.Extensions.Logging.Abstractions;

namespace Agents.Orchestrator.Tests.Workflows;

/// <summary>The workflow file reloaded on change: a valid file is put in force, a broken one refused and the set in force kept.</summary>
public sealed class WorkflowReloaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agents-workflows-").FullName;

    private const string First = """
        workflows:
          incident-response: {}
        """;

    private const string Second = """
        routing:
          rules:
            - match: { severity: low }
              workflow: quiet
          default: incident-response
        workflows:
          incident-response: {}
          quiet:
            steps:
              triage: {}
              notification: {}
        """;

    [Fact]
    public async Task A_changed_file_is_put_in_force_and_a_broken_one_is_refused_while_the_last_good_one_stays()
    {
        var path = Path.Combine(_folder, "workflows.yaml");
        await File.WriteAllTextAsync(path, First);
        var catalog = new WorkflowCatalog(WorkflowLoader.LoadSet(path));
        using var reloader = new WorkflowReloader(catalog, path, () => WorkflowLoader.LoadSet(path), NullLogger<WorkflowReloader>.Instance);
        await reloader.StartAsync(CancellationToken.None);

        await File.WriteAllTextAsync(path, Second);
        Assert.True(await HarnessWaits.Eventually(() => catalog.Current.Version == WorkflowLoader.Version(Second), TimeSpan.FromSeconds(10)),
            "the changed file was not reloaded");
        Assert.Equal(["incident-response", "quiet"], catalog.Current.Workflows.Keys.Order());

        await File.WriteAllTextAsync(path, Second.Replace("workflow: quiet", "workflow: missing", StringComparison.Ordinal));
        Assert.False(reloader.Reload("test"));
        Assert.Equal(WorkflowLoader.Version(Second), catalog.Current.Version);

        await File.WriteAllTextAsync(path, First);
        Assert.True(reloader.Reload("SIGHUP"));
        Assert.Equal(WorkflowLoader.Version(First), catalog.Current.Version);
    }

    [Fact]
    public void An_incidents_copy_of_its_workflow_survives_the_store_as_json()
    {
        var set = WorkflowLoader.LoadSet(RepositoryFiles.Resolve("deploy/workflows.yaml"));
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        foreach (var workflow in set.Workflows.Values)
        {
            var copy = JsonSerializer.Deserialize<IncidentWorkflow>(JsonSerializer.Serialize(workflow, options), options)!;

            Assert.Equal(workflow.Sequence.Select(s => (s.Name, s.Agent, s.When?.ToString(), s.Settings?.GetRawText())),
                copy.Sequence.Select(s => (s.Name, s.Agent, s.When?.ToString(), s.Settings?.GetRawText())));
            Assert.Equal(workflow.Steps.OrderBy(s => s.Key), copy.Steps.OrderBy(s => s.Key));
            Assert.Equal(workflow.ShortCircuitSeverities.Order(), copy.ShortCircuitSeverities.Order());
            Assert.Equal((workflow.MinimumConfidence, workflow.HumanApprovalTimeout, workflow.Approval?.Kind),
                (copy.MinimumConfidence, copy.HumanApprovalTimeout, copy.Approval?.Kind));
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
