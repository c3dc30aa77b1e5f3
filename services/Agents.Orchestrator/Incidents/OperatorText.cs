using Agents.Contracts;

namespace Agents.Orchestrator.Incidents;

/// <summary>
/// The words an operator command brings (who asked, the note): the API checks them, the saga does not rely on it. Text is
/// trimmed, capped, and what PostgreSQL cannot store (a lone surrogate, NUL: the incident could not be saved) is replaced.
/// </summary>
internal static class OperatorText
{
    /// <summary>The longest note the saga keeps (the API refuses longer ones); a longer note is cut and ends with "…".</summary>
    public const int MaxNoteLength = 4096;

    /// <summary>The longest actor the saga keeps (an identity such as <c>oidc:alice@example.com</c> is far shorter).</summary>
    public const int MaxActorLength = 256;

    /// <summary>The actor of the close of an escalated incident past its maximum open age.</summary>
    public const string MaxOpenAgeActor = "system:max-open-age";

    /// <summary>The actor as stored, or null when the command names none (older senders).</summary>
    public static string? Actor(string? actor) => Clean(actor, MaxActorLength);

    /// <summary>The note as stored, or null when it is missing or blank.</summary>
    public static string? Note(string? note) => Clean(note, MaxNoteLength);

    /// <summary><paramref name="text"/> trimmed and storable (<see cref="StorableText.Bounded"/>), or null when blank.</summary>
    public static string? Clean(string? text, int max) =>
        string.IsNullOrWhiteSpace(text) ? null : StorableText.Bounded(text.Trim(), max);
}
