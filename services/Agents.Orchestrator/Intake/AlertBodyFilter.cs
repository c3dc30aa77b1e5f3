using Agents.Contracts.Alerts;
using MassTransit;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// Checks every message on the alert intake against <see cref="AlertLimits"/> on its raw bytes, before MassTransit
/// deserializes it for the consumer: the webhook ingress checks the same before publishing, but any producer may publish
/// to the exchange, and a body that breaks a bound (a NUL, a lone surrogate, a duplicate key, a 50 MB summary) must be
/// refused once, with its reason, rather than fail deserialization and be retried.
/// </summary>
public sealed class AlertBodyFilter(AlertLimits limits) : IFilter<ConsumeContext>
{
    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next) =>
        AlertBodyCheck.Check(context.ReceiveContext.Body.GetBytes(), limits) is { } problem
            ? throw new AlertFormatException($"Refused ({problem.Reason}): {problem.Message}")
            : next.Send(context);

    public void Probe(ProbeContext context) => context.CreateFilterScope("alertBodyCheck");
}
