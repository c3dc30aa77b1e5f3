using Agents.Contracts.Alerts;
using MassTransit;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// Checks every message on the alert intake against <see cref="AlertLimits"/> on its raw bytes, before the consumer reads
/// it as a <c>JsonObject</c>: the webhook ingress checks the same before publishing, but any producer may publish to the
/// exchange, and a body that breaks a bound (a NUL, a lone surrogate, a duplicate key, a 50 MB summary) must be refused
/// once, with its reason, rather than fail conversion and be retried. (MassTransit's raw JSON reader has already checked
/// that the body is JSON at all, at most 64 levels deep: a body that is not fails there, also without retries.)
/// </summary>
public sealed class AlertBodyFilter(AlertLimits limits) : IFilter<ConsumeContext>
{
    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next) =>
        AlertBodyCheck.Check(context.ReceiveContext.Body.GetBytes(), limits) is { } problem
            ? throw new AlertFormatException($"Refused ({problem.Reason}): {problem.Message}")
            : next.Send(context);

    public void Probe(ProbeContext context) => context.CreateFilterScope("alertBodyCheck");
}
