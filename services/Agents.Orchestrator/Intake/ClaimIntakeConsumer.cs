using System.Text.Json.Nodes;
using Agents.Contracts.Claims;
using MassTransit;

namespace Agents.Orchestrator.Intake;

/// <summary>
/// Reads raw claim JSON from the <c>claims</c> exchange and starts its adjudication: a <c>claim-adjudication</c>
/// deliberation whose id is derived from the claim id, so a claim sent twice attaches to the one deliberation. A claim
/// that cannot be read faults without retry and lands in <c>claim-intake_error</c> with the reason in
/// <c>MT-Fault-Message</c>.
/// </summary>
public sealed class ClaimIntakeConsumer : IConsumer<JsonObject>
{
    public Task Consume(ConsumeContext<JsonObject> context)
    {
        var claim = ClaimReader.TryRead(context.Message, out var error) ?? throw new ClaimFormatException(error!);
        return context.Publish(ClaimReader.Adjudicate(claim));
    }
}
