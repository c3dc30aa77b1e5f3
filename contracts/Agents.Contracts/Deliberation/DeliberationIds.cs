using System.Security.Cryptography;
using System.Text;

namespace Agents.Contracts.Deliberation;

/// <summary>Deterministic deliberation ids, so that a request sent again attaches to the deliberation it started.</summary>
public static class DeliberationIds
{
    /// <summary>A name-based UUID of <paramref name="name"/> (version 5 layout, SHA-1): the same name, the same id.</summary>
    public static Guid FromName(string name)
    {
        var bytes = SHA1.HashData(Encoding.UTF8.GetBytes(name))[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
