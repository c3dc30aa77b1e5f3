using Agents.Orchestrator.Intake;

namespace Agents.Orchestrator.Tests.Intake;

/// <summary>The id of the incident an alert may open comes from the body's message id, its place in the body and its fingerprint.</summary>
public sealed class IncidentIdTests
{
    [Fact]
    public void The_same_body_read_twice_names_the_same_incident_and_anything_else_another()
    {
        var id = AlertIntakeConsumer.IncidentIdOf("7d3c5a1e-0b2f-4c61-9d0e-3f1a2b4c5d6e", 0, "4f1c2d8a9b3e7065");

        Assert.Equal(id, AlertIntakeConsumer.IncidentIdOf("7d3c5a1e-0b2f-4c61-9d0e-3f1a2b4c5d6e", 0, "4f1c2d8a9b3e7065"));
        Assert.Equal(4, new[]
        {
            id,
            AlertIntakeConsumer.IncidentIdOf("7d3c5a1e-0b2f-4c61-9d0e-3f1a2b4c5d6f", 0, "4f1c2d8a9b3e7065"),
            AlertIntakeConsumer.IncidentIdOf("7d3c5a1e-0b2f-4c61-9d0e-3f1a2b4c5d6e", 1, "4f1c2d8a9b3e7065"),
            AlertIntakeConsumer.IncidentIdOf("7d3c5a1e-0b2f-4c61-9d0e-3f1a2b4c5d6e", 0, "a07e55c1d2f94b38"),
        }.Distinct().Count());
        // An RFC 9562 UUID of version 8 (custom), variant 10.
        var text = id.ToString();
        Assert.Equal('8', text[14]);
        Assert.Contains(text[19], "89ab");
    }
}
