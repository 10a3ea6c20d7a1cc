using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>BYP003: an acquired owned value that on some path is neither disposed, handed off, returned nor stored.</summary>
public sealed class BYP003_OwnedValueLeakTests
{
    [Theory]
    [InlineData("never released", """
        void M()
        {
            var buf = [|pool.Rent()|];
            Wire.Use(buf);
        }
        """)]
    [InlineData("discarded", """
        void M()
        {
            _ = [|pool.Rent()|];
        }
        """)]
    [InlineData("expression statement", """
        void M()
        {
            [|pool.Rent()|];
        }
        """)]
    [InlineData("awaited receive discarded", """
        async Task M()
        {
            [|await sock.ReceiveAsync()|];
        }
        """)]
    [InlineData("awaited rent never released", """
        async Task<int> M()
        {
            var buf = [|await pool.RentAsync()|];
            return buf.Length;
        }
        """)]
    [InlineData("released on one branch only", """
        void M(bool flag)
        {
            var buf = [|pool.Rent()|];
            if (flag)
            {
                Wire.Send(buf);
            }
        }
        """)]
    [InlineData("early return skips release", """
        void M(bool flag)
        {
            var buf = [|pool.Rent()|];
            if (flag) return;
            buf.Dispose();
        }
        """)]
    [InlineData("overwritten before release", """
        void M()
        {
            var buf = [|pool.Rent()|];
            buf = pool.Rent();
            buf.Dispose();
        }
        """)]
    [InlineData("leaked in every loop iteration", """
        void M(int n)
        {
            for (var i = 0; i < n; i++)
            {
                var buf = [|pool.Rent()|];
                Wire.Use(buf);
            }
        }
        """)]
    [InlineData("continue skips release", """
        void M(int n)
        {
            for (var i = 0; i < n; i++)
            {
                var buf = [|pool.Rent()|];
                if (i % 2 == 0) continue;
                buf.Dispose();
            }
        }
        """)]
    [InlineData("leak in an endless loop", """
        async Task M()
        {
            while (true)
            {
                var buf = [|await sock.ReceiveAsync()|];
                Wire.Use(buf);
            }
        }
        """)]
    [InlineData("passed to a borrowing constructor", """
        int M()
        {
            var reader = new Reader([|pool.Rent()|]);
            return reader.Read();
        }
        """)]
    [InlineData("passed to a borrowing method", """
        void M()
        {
            Wire.Use([|pool.Rent()|]);
        }
        """)]
    [InlineData("leak after TryRent succeeded", """
        void M()
        {
            if (pool.TryRent([|out var buf|]))
            {
                Wire.Use(buf);
            }
        }
        """)]
    [InlineData("switch case forgets release", """
        void M(int k)
        {
            var buf = [|pool.Rent()|];
            switch (k)
            {
                case 0: Wire.Send(buf); break;
                case 1: buf.Dispose(); break;
                default: Wire.Use(buf); break;
            }
        }
        """)]
    [InlineData("user-defined owned type created", """
        [Owned] sealed class Lease : IDisposable { public void Dispose() { } }
        void M()
        {
            var lease = [|new Lease()|];
            GC.KeepAlive(lease);
        }
        """)]
    [InlineData("owned interface returned by a factory", """
        [Owned] interface IHandle : IDisposable { }
        static IHandle Open() => throw new NotImplementedException();
        void M()
        {
            var h = [|Open()|];
            GC.KeepAlive(h);
        }
        """)]
    [InlineData("leak inside a lambda", """
        Action M() => () =>
        {
            var buf = [|pool.Rent()|];
            Wire.Use(buf);
        };
        """)]
    [InlineData("leak inside a local function", """
        void M()
        {
            Local();
            void Local()
            {
                var buf = [|pool.Rent()|];
                Wire.Use(buf);
            }
        }
        """)]
    [InlineData("released only in a catch", """
        void M()
        {
            var buf = [|pool.Rent()|];
            try
            {
                Wire.Use(buf);
            }
            catch (Exception)
            {
                buf.Dispose();
                throw;
            }
        }
        """)]
    public Task Leaks_are_reported(string name, string source) => Verify(name, source);

    [Theory]
    [InlineData("disposed", """
        void M()
        {
            var buf = pool.Rent();
            Wire.Use(buf);
            buf.Dispose();
        }
        """)]
    [InlineData("using declaration", """
        void M()
        {
            using var buf = pool.Rent();
            Wire.Use(buf);
        }
        """)]
    [InlineData("using statement", """
        void M()
        {
            using (var buf = pool.Rent())
            {
                Wire.Use(buf);
            }
        }
        """)]
    [InlineData("using without a variable", """
        void M()
        {
            using (pool.Rent())
            {
            }
        }
        """)]
    [InlineData("handed off", """
        async Task M()
        {
            var buf = await pool.RentAsync();
            await sock.SendAsync(buf);
        }
        """)]
    [InlineData("handed off directly", """
        void M() => Wire.Send(pool.Rent());
        """)]
    [InlineData("returned", """
        OwnedBuffer M()
        {
            var buf = pool.Rent();
            buf.Length = 4;
            return buf;
        }
        """)]
    [InlineData("returned from async method", """
        async Task<OwnedBuffer> M()
        {
            var buf = await sock.ReceiveAsync();
            return buf;
        }
        """)]
    [InlineData("expression-bodied return", """
        OwnedBuffer M() => pool.Rent();
        """)]
    [InlineData("returned through a conditional", """
        OwnedBuffer? M(bool f) => f ? pool.Rent() : null;
        """)]
    [InlineData("stored in a field", """
        private OwnedBuffer? _current;
        void M()
        {
            _current = pool.Rent();
        }
        """)]
    [InlineData("stored in a property of another object", """
        sealed class Holder { public OwnedBuffer? Buffer { get; set; } }
        void M(Holder h)
        {
            var buf = pool.Rent();
            h.Buffer = buf;
        }
        """)]
    [InlineData("stored in an out parameter", """
        bool M(out OwnedBuffer buffer)
        {
            buffer = pool.Rent();
            return true;
        }
        """)]
    [InlineData("stored in an array element", """
        void M(OwnedBuffer[] slots)
        {
            slots[0] = pool.Rent();
        }
        """)]
    [InlineData("added to a collection", """
        void M(List<OwnedBuffer> list)
        {
            var buf = pool.Rent();
            list.Add(buf);
        }
        """)]
    [InlineData("collection initializer", """
        List<OwnedBuffer> M() => new List<OwnedBuffer> { pool.Rent() };
        """)]
    [InlineData("constructor takes ownership", """
        Frame M() => new Frame(pool.Rent());
        """)]
    [InlineData("extension takes ownership", """
        void M() => pool.Rent().Transmit(sock);
        """)]
    [InlineData("disposed directly", """
        void M() => pool.Rent().Dispose();
        """)]
    [InlineData("TryRent failure path returns", """
        void M()
        {
            if (!pool.TryRent(out var buf)) return;
            using (buf)
            {
                Wire.Use(buf);
            }
        }
        """)]
    [InlineData("TryRent in a while condition", """
        void M()
        {
            while (pool.TryRent(out var buf))
            {
                Wire.Send(buf);
            }
        }
        """)]
    [InlineData("TryRent result combined with another condition", """
        void M(bool ready)
        {
            if (pool.TryRent(out var buf) && ready)
            {
                Wire.Send(buf);
                return;
            }
            buf?.Dispose();
        }
        """)]
    [InlineData("TryRent then null check", """
        void M()
        {
            pool.TryRent(out var buf);
            if (buf is null) return;
            buf.Dispose();
        }
        """)]
    [InlineData("null on one path", """
        void M(bool f)
        {
            OwnedBuffer? buf = f ? pool.Rent() : null;
            buf?.Dispose();
        }
        """)]
    [InlineData("disposed in finally", """
        void M()
        {
            var buf = pool.Rent();
            try
            {
                Wire.Use(buf);
            }
            finally
            {
                buf.Dispose();
            }
        }
        """)]
    [InlineData("exception path is not a leak", """
        void M(bool bad)
        {
            var buf = pool.Rent();
            if (bad) throw new InvalidOperationException();
            buf.Dispose();
        }
        """)]
    [InlineData("captured by a lambda", """
        Func<int> M()
        {
            var buf = pool.Rent();
            return () => buf.Length;
        }
        """)]
    [InlineData("local function disposes", """
        void M()
        {
            var buf = pool.Rent();
            Release();
            void Release() => buf.Dispose();
        }
        """)]
    [InlineData("stored in a tuple that is returned", """
        (OwnedBuffer, int) M()
        {
            var buf = pool.Rent();
            return (buf, 1);
        }
        """)]
    [InlineData("yield returned", """
        IEnumerable<OwnedBuffer> M(int n)
        {
            for (var i = 0; i < n; i++)
            {
                yield return pool.Rent();
            }
        }
        """)]
    [InlineData("loop releases every iteration", """
        async Task M(CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                using var buf = await sock.ReceiveAsync(ct);
                Wire.Use(buf);
            }
        }
        """)]
    [InlineData("previous value released before overwrite", """
        void M(int n)
        {
            OwnedBuffer? last = null;
            for (var i = 0; i < n; i++)
            {
                last?.Dispose();
                last = pool.Rent();
            }
            last?.Dispose();
        }
        """)]
    [InlineData("switch releases in every case", """
        void M(int k)
        {
            var buf = pool.Rent();
            switch (k)
            {
                case 0: Wire.Send(buf); break;
                default: buf.Dispose(); break;
            }
        }
        """)]
    [InlineData("non-owned disposable is not tracked", """
        void M()
        {
            var s = new System.IO.MemoryStream();
            s.WriteByte(1);
        }
        """)]
    [InlineData("parameter is owned by the caller", """
        void M(OwnedBuffer buf) => Wire.Use(buf);
        """)]
    [InlineData("alias released", """
        void M()
        {
            var buf = pool.Rent();
            var alias = buf;
            alias.Dispose();
        }
        """)]
    [InlineData("owned value from a property is borrowed", """
        sealed class Holder { public OwnedBuffer Buffer => throw new NotImplementedException(); }
        int M(Holder h) => h.Buffer.Length;
        """)]
    [InlineData("stored via pattern into field", """
        private OwnedBuffer? _slot;
        void M(object o)
        {
            if (o is OwnedBuffer b) _slot = b;
        }
        """)]
    [InlineData("completion source takes it", """
        void M(TaskCompletionSource<OwnedBuffer> tcs)
        {
            tcs.SetResult(pool.Rent());
        }
        """)]
    [InlineData("await using", """
        sealed class AsyncBuf : IAsyncDisposable { public ValueTask DisposeAsync() => default; }
        [Owned] sealed class AsyncLease : IAsyncDisposable { public ValueTask DisposeAsync() => default; }
        static AsyncLease Open() => throw new NotImplementedException();
        async Task M()
        {
            await using var lease = Open();
            GC.KeepAlive(lease);
        }
        """)]
    [InlineData("released in try and in catch", """
        void M()
        {
            var buf = pool.Rent();
            try
            {
                Wire.Send(buf);
            }
            catch (InvalidOperationException)
            {
                Console.WriteLine("failed");
            }
        }
        """)]
    public Task No_report(string name, string source) => Verify(name, source);

    private static Task Verify(string name, string source)
    {
        _ = name;
        return AnalyzerVerifier.VerifyMembersAsync(source, DiagnosticIds.OwnedValueLeak);
    }
}
