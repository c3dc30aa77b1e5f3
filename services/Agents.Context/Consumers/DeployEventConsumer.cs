using System.Text.Json.Nodes;
using Agents.Context.Sources;
using MassTransit;

namespace Agents.Context.Consumers;

/// <summary>
/// Records the raw deploy events CI/CD pipelines publish to the <c>deploys</c> exchange. An event that
/// cannot be read lands in <c>deploy-events_error</c> with the reason.
/// </summary>
public sealed class DeployEventConsumer(IDeployLog deployLog) : IConsumer<JsonObject>
{
    public Task Consume(ConsumeContext<JsonObject> context) =>
        deployLog.RecordAsync(DeployEventParser.Parse(context.Message), context.CancellationToken);
}
