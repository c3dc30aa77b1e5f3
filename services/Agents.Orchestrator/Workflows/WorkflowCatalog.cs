namespace Agents.Orchestrator.Workflows;

/// <summary>
/// The workflow file in force: what new incidents are routed by. Replaced as a whole when the file is reloaded
/// (<see cref="WorkflowReloader"/>), never half-updated; incidents in flight run their own copy of their workflow.
/// </summary>
public sealed class WorkflowCatalog(WorkflowSet initial)
{
    private WorkflowSet _current = initial;

    public WorkflowSet Current => Volatile.Read(ref _current);

    /// <summary>Puts <paramref name="set"/> in force and answers the set it replaced.</summary>
    public WorkflowSet Replace(WorkflowSet set) => Interlocked.Exchange(ref _current, set);

    /// <summary>One workflow and no routing rules (tests, built-in defaults).</summary>
    public static WorkflowCatalog Of(IncidentWorkflow workflow) => new(WorkflowSet.Of(workflow));
}
