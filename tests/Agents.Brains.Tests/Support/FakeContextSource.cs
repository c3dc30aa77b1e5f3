using Agents.Context.Sources;

namespace Agents.Brains.Tests.Support;

/// <summary>A context source that answers (or fails) as the test says, after an optional wait.</summary>
public sealed class FakeContextSource(string name, Func<ContextRequest, CancellationToken, Task<ContextContribution>> answer, TimeSpan? timeout = null) : IContextSource
{
    public FakeContextSource(string name, ContextContribution contribution)
        : this(name, (_, _) => Task.FromResult(contribution))
    {
    }

    public string Name => name;

    public TimeSpan? Timeout => timeout;

    public ContextRequest? SeenRequest { get; private set; }

    public ContextWindow? SeenWindow => SeenRequest?.Window;

    public static FakeContextSource Failing(string name, string message) =>
        new(name, (_, _) => throw new InvalidOperationException(message));

    public Task<ContextContribution> CollectAsync(ContextRequest request, CancellationToken ct)
    {
        SeenRequest = request;
        return answer(request, ct);
    }
}
