using Agents.Context.Sources;
using Agents.Contracts.Context;

namespace Agents.Brains.Tests.Support;

/// <summary>A context source that answers (or fails) as the test says, after an optional wait.</summary>
public sealed class FakeContextSource(string name, Func<CollectIncidentContext, ContextWindow, Task<ContextContribution>> answer) : IContextSource
{
    public FakeContextSource(string name, ContextContribution contribution)
        : this(name, (_, _) => Task.FromResult(contribution))
    {
    }

    public string Name => name;

    public ContextWindow? SeenWindow { get; private set; }

    public static FakeContextSource Failing(string name, string message) =>
        new(name, (_, _) => throw new InvalidOperationException(message));

    public Task<ContextContribution> CollectAsync(CollectIncidentContext command, ContextWindow window, CancellationToken ct)
    {
        SeenWindow = window;
        return answer(command, window);
    }
}
