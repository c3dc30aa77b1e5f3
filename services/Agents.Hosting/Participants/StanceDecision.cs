namespace Agents.Hosting.Participants;

/// <summary>
/// What a participant's brain decided in one round: a decision (one of the request's allowed decisions, or
/// <c>undecided</c>), the reason the others will read, and a confidence between 0 and 1.
/// </summary>
public sealed record StanceDecision(string Decision, string Reason, double Confidence);
