using System.ComponentModel.DataAnnotations;

namespace Agents.Orchestrator;

public sealed class OrchestratorOptions : IValidatableObject
{
    public const string SectionName = "Orchestrator";

    /// <summary>The workflow file; relative paths are resolved as <see cref="Agents.Hosting.RepositoryFiles"/> says.</summary>
    [Required]
    public string WorkflowPath { get; set; } = "deploy/workflows.yaml";

    /// <summary>
    /// Overrides the file's default workflow (<c>routing.default</c>): the workflow of an incident no routing rule
    /// matched. Empty: the file decides.
    /// </summary>
    public string? Workflow { get; set; }

    /// <summary>
    /// How long an escalated incident nobody resolved stays open, counted from its creation (so that an alert that keeps
    /// repeating cannot keep it open for ever): past it, the orchestrator closes it (status Closed, timeline
    /// "closed: past maximum open age") and a repeat of its alert opens a new incident. At least 1 second;
    /// <c>00:00:00</c> turns it off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan EscalatedMaxOpenAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often each orchestrator looks for escalated incidents past <see cref="EscalatedMaxOpenAge"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StaleSweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long after its deadline the overdue sweep times an awaited step out (0: as soon as a round finds it). The sweep
    /// is how steps time out: the deadline is kept on the incident row and no message is scheduled per step.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan OverdueGrace { get; set; } = TimeSpan.Zero;

    /// <summary>How often the overdue sweep runs (one orchestrator at a time): a step times out at most this long after its deadline.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan OverdueSweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many incidents a second the resume at start-up asks the saga to resume (paced, so that thousands of open
    /// incidents do not flood the agents; the orchestrator is ready before it ends).
    /// </summary>
    [Range(1, 100_000)]
    public int ResumePerSecond { get; set; } = 500;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (EscalatedMaxOpenAge > TimeSpan.Zero && EscalatedMaxOpenAge < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult(
                $"{nameof(EscalatedMaxOpenAge)} must be at least 00:00:01, or 00:00:00 to never close escalated incidents for their age; it is {EscalatedMaxOpenAge}.",
                [nameof(EscalatedMaxOpenAge)]);
        }
    }
}
