using MassTransit;

namespace Agents.Hosting;

/// <summary>
/// Reports that must happen only once a consume has succeeded (metrics, spans about a saga's decision): a consume
/// retried after a concurrency conflict runs its handler twice, and would otherwise count twice. Every endpoint
/// gets <see cref="AfterConsumeFilter"/> (<c>AddAgentsMessaging</c>); without it (saga unit tests) the report runs at once.
/// </summary>
public static class AfterConsume
{
    /// <summary>Runs <paramref name="report"/> after the current consume has succeeded; dropped if it fails.</summary>
    public static void AfterConsumed(this PipeContext context, Action report)
    {
        if (context.TryGetPayload<PendingReports>(out var pending))
        {
            pending.Add(report);
            return;
        }

        report();
    }

    internal sealed class PendingReports
    {
        private readonly List<Action> _reports = [];

        public void Add(Action report)
        {
            lock (_reports)
            {
                _reports.Add(report);
            }
        }

        public Action[] Take()
        {
            lock (_reports)
            {
                var taken = _reports.ToArray();
                _reports.Clear();
                return taken;
            }
        }
    }
}

/// <summary>Collects the reports of one consume attempt and runs them when it succeeded.</summary>
internal sealed class AfterConsumeFilter : IFilter<ConsumeContext>
{
    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        var pending = new AfterConsume.PendingReports();
        context.AddOrUpdatePayload(() => pending, _ => pending);
        await next.Send(context);
        foreach (var report in pending.Take())
        {
            report();
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("afterConsume");
}
