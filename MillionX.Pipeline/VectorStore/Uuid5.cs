using System.Security.Cryptography;

namespace MillionX.Pipeline.VectorStore;

/// <summary>RFC 4122 name-based UUIDs, version 5 (SHA-1): the same namespace and name always give the same id.</summary>
public static class Uuid5
{
    public static Guid Create(Guid @namespace, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];

        // RFC 4122 hashes the namespace in network byte order; Guid's default byte layout is little-endian in its first three fields.
        @namespace.TryWriteBytes(input, bigEndian: true, out _);
        nameBytes.CopyTo(input, 16);

        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
#pragma warning disable CA5350 // RFC 4122 version 5 is defined over SHA-1; it names ids, it does not protect anything.
        SHA1.HashData(input, hash);
#pragma warning restore CA5350
        var uuid = hash[..16];
        uuid[6] = (byte)((uuid[6] & 0x0F) | 0x50);
        uuid[8] = (byte)((uuid[8] & 0x3F) | 0x80);
        return new Guid(uuid, bigEndian: true);
    }
}
