namespace Agents.ChangeFreeze;

/// <summary>The agent's name: its queue, and the <c>agent:</c> of a workflow step that runs it.</summary>
public static class ChangeFreezeAgent
{
    public const string Name = "change-freeze";
}
