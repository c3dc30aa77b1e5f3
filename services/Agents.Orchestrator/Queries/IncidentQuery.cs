using System.Linq.Expressions;
using Agents.Orchestrator.Incidents;
using MassTransit;

namespace Agents.Orchestrator.Queries;

/// <summary>A filter over incidents that any saga repository can run (in memory now, SQL later).</summary>
internal sealed class IncidentQuery(Expression<Func<IncidentState, bool>> filter) : ISagaQuery<IncidentState>
{
    private readonly Func<IncidentState, bool> _compiled = filter.Compile();

    public Expression<Func<IncidentState, bool>> FilterExpression { get; } = filter;

    public Func<IncidentState, bool> GetFilter() => _compiled;
}
