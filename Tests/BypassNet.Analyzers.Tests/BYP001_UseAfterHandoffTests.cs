using BypassNet.Analyzers.Tests.Verifier;

namespace BypassNet.Analyzers.Tests;

/// <summary>BYP001: use after handoff. Sources are members of a class C with fields pool and sock.</summary>
public sealed class BYP001_UseAfterHandoffTests
{
    [Theory]
    [InlineData("member access after send", """
        void M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            _ = [|buf|].Length;
        }
        """)]
    [InlineData("argument after send", """
        void M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("return after send", """
        OwnedBuffer M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            return [|buf|];
        }
        """)]
    [InlineData("ToString after send", """
        string M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            return [|buf|].ToString();
        }
        """)]
    [InlineData("store into field after send", """
        private OwnedBuffer? _kept;
        void M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            _kept = [|buf|];
        }
        """)]
    [InlineData("alias store after send", """
        void M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            var other = [|buf|];
            GC.KeepAlive(other); // one report per value per path: the first use

        }
        """)]
    [InlineData("explicit dispose after send", """
        void M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            [|buf|].Dispose();
        }
        """)]
    [InlineData("conditional dispose after send", """
        void M(OwnedBuffer? buf)
        {
            if (buf is null) return;
            Wire.Send(buf);
            [|buf|]?.Dispose();
        }
        """)]
    [InlineData("pattern test after send", """
        bool M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            return [|buf|] is { Length: > 0 };
        }
        """)]
    [InlineData("null pattern after send is still a read", """
        bool M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            return [|buf|] is null;
        }
        """)]
    [InlineData("span after send", """
        void M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            [|buf|].Span.Clear();
        }
        """)]
    [InlineData("property setter after send", """
        void M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            [|buf|].Length = 3;
        }
        """)]
    [InlineData("use after dispose", """
        void M(OwnedBuffer buf)
        {
            buf.Dispose();
            _ = [|buf|].Capacity;
        }
        """)]
    [InlineData("extension method on handed-off value", """
        int M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            return [|buf|].Peek();
        }
        """)]
    [InlineData("string interpolation after send", """
        string M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            return $"{[|buf|]}";
        }
        """)]
    [InlineData("foreach variable used after handoff in the same iteration", """
        void M(List<OwnedBuffer> buffers)
        {
            foreach (var b in buffers)
            {
                Wire.Send(b);
                Wire.Use([|b|]);
            }
        }
        """)]
    [InlineData("disposed through an interface alias then used", """
        void M(OwnedBuffer buf)
        {
            IDisposable d = buf;
            d.Dispose();
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("use after dispose in a finally", """
        int M(OwnedBuffer buf)
        {
            try
            {
                buf.Dispose();
            }
            finally
            {
                Console.WriteLine();
            }
            return [|buf|].Length;
        }
        """)]
    [InlineData("ref argument reads, then reinitialises", """
        static void Swap(ref OwnedBuffer a, ref OwnedBuffer b) => (a, b) = (b, a);
        void M(OwnedBuffer a, OwnedBuffer b)
        {
            Wire.Send(a);
            Swap(ref b, ref [|a|]);
            Wire.Use(b);
            Wire.Use(a);
        }
        """)]
    public Task Reads_after_handoff_are_reported(string name, string source) => Verify(name, source);

    [Theory]
    [InlineData("send in one branch", """
        void M(OwnedBuffer buf, bool flag)
        {
            if (flag)
            {
                Wire.Send(buf);
            }

            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("send in else branch", """
        void M(OwnedBuffer buf, bool flag)
        {
            if (flag) { Wire.Use(buf); }
            else { Wire.Send(buf); }
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("send in a loop then use in next iteration", """
        void M(OwnedBuffer buf, int n)
        {
            for (var i = 0; i < n; i++)
            {
                Wire.Use([|buf|]);
                if (i == 2) Wire.Send(buf); // one report per value per path: the first use
            }
        }
        """)]
    [InlineData("send in while, use after loop", """
        void M(OwnedBuffer buf, int n)
        {
            while (n-- > 0)
            {
                if (n == 1) { Wire.Send(buf); break; }
            }
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("send in switch case", """
        void M(OwnedBuffer buf, int k)
        {
            switch (k)
            {
                case 1:
                    Wire.Send(buf);
                    break;
                case 2:
                    Wire.Use(buf);
                    break;
            }
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("send in try, use in catch", """
        void M(OwnedBuffer buf)
        {
            try
            {
                Wire.Send(buf);
            }
            catch (InvalidOperationException)
            {
                Wire.Use([|buf|]);
                throw;
            }
        }
        """)]
    [InlineData("send in try, use in finally", """
        void M(OwnedBuffer buf)
        {
            try
            {
                Wire.Send(buf);
            }
            finally
            {
                Wire.Use([|buf|]);
            }
        }
        """)]
    [InlineData("send in try, use after try-finally", """
        void M(OwnedBuffer buf)
        {
            try
            {
                Wire.Send(buf);
            }
            finally
            {
                Console.WriteLine();
            }
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("send in catch, use after", """
        void M(OwnedBuffer buf)
        {
            try { Console.WriteLine(); }
            catch (Exception) { Wire.Send(buf); }
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("do-while", """
        void M(OwnedBuffer buf, int n)
        {
            do
            {
                Wire.Use([|buf|]);
                if (n > 3) Wire.Send(buf);
            }
            while (n-- > 0);
        }
        """)]
    [InlineData("foreach body send then use after", """
        void M(OwnedBuffer buf, int[] items)
        {
            foreach (var item in items)
            {
                if (item == 0) { Wire.Send(buf); return; }
            }
            Wire.Use(buf);
            Wire.Send(buf);
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("switch expression arm", """
        int M(OwnedBuffer buf, int k)
        {
            var r = k switch
            {
                1 => Wire.SendWith(buf, 1),
                _ => 0,
            };
            return r + [|buf|].Length;
        }
        """)]
    [InlineData("ternary handoff", """
        int M(OwnedBuffer buf, bool f)
        {
            var r = f ? Wire.SendWith(buf, 0) : 1;
            return r + [|buf|].Length;
        }
        """)]
    [InlineData("goto back", """
        void M(OwnedBuffer buf, int n)
        {
        again:
            Wire.Use([|buf|]);
            if (n-- > 0)
            {
                Wire.Send(buf);
                goto again;
            }
        }
        """)]
    public Task Handoff_on_some_path_is_reported(string name, string source) => Verify(name, source);

    [Theory]
    [InlineData("argument read before the call moves", """
        int M(OwnedBuffer buf) => Wire.SendWith(buf, buf.Length);
        """)]
    [InlineData("use after handoff in a nested call", """
        int M(OwnedBuffer buf) => Wire.Combine(Wire.SendWith(buf, 1), [|buf|].Length);
        """)]
    [InlineData("named arguments out of order: read first", """
        int M(OwnedBuffer buf) => Wire.SendWith(length: buf.Length, buffer: buf);
        """)]
    [InlineData("named arguments out of order: nested handoff first", """
        int M(OwnedBuffer buf) => Wire.Combine(b: Wire.SendWith(buf, 0), a: [|buf|].Length);
        """)]
    [InlineData("extension this handoff", """
        void M(OwnedBuffer buf)
        {
            buf.Transmit(sock);
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("extension called statically", """
        void M(OwnedBuffer buf)
        {
            Wire.Transmit(buf, sock);
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("constructor takes ownership", """
        void M(OwnedBuffer buf)
        {
            using var frame = new Frame(buf);
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("constructor named argument", """
        void M(OwnedBuffer buf)
        {
            using var frame = new Frame(header: 1, payload: buf);
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("async send then use", """
        async Task M(OwnedBuffer buf)
        {
            await sock.SendAsync(buf);
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("async send with cancellation then use", """
        async Task M(OwnedBuffer buf, CancellationToken ct)
        {
            await sock.SendAsync(buf, ct).ConfigureAwait(false);
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("handoff through cast", """
        void M(object o)
        {
            var buf = (OwnedBuffer)o;
            Wire.Send(buf);
            Wire.Use([|buf|]);
        }
        """)]
    public Task Evaluation_order_and_call_shapes(string name, string source) => Verify(name, source);

    [Theory]
    [InlineData("alias handed off, original used", """
        void M(OwnedBuffer buf)
        {
            var alias = buf;
            Wire.Send(alias);
            Wire.Use([|buf|]);
        }
        """)]
    [InlineData("original handed off, alias used", """
        void M(OwnedBuffer buf)
        {
            var alias = buf;
            Wire.Send(buf);
            Wire.Use([|alias|]);
        }
        """)]
    [InlineData("pattern alias", """
        void M(object o)
        {
            if (o is OwnedBuffer buf)
            {
                Wire.Send(buf);
                Wire.Use([|buf|]);
            }
        }
        """)]
    [InlineData("field of this", """
        private OwnedBuffer _buffer = null!;
        void M()
        {
            Wire.Send(_buffer);
            _ = [|_buffer|].Length;
        }
        """)]
    [InlineData("field of this with explicit this", """
        private OwnedBuffer _buffer = null!;
        void M()
        {
            Wire.Send(this._buffer);
            _ = [|this._buffer|].Length;
        }
        """)]
    [InlineData("property of this", """
        public OwnedBuffer Buffer { get; set; } = null!;
        void M()
        {
            Wire.Send(Buffer);
            Wire.Use([|Buffer|]);
        }
        """)]
    [InlineData("field aliased into local", """
        private OwnedBuffer _buffer = null!;
        void M()
        {
            var local = _buffer;
            Wire.Send(local);
            Wire.Use([|_buffer|]);
        }
        """)]
    public Task Aliases_and_fields(string name, string source) => Verify(name, source);

    [Theory]
    [InlineData("lambda created after handoff", """
        Func<int> M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            return () => [|buf|].Length;
        }
        """)]
    [InlineData("local function called after handoff", """
        int M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            return [|Read()|];
            int Read() => buf.Length;
        }
        """)]
    [InlineData("delegate invoked after handoff", """
        int M(OwnedBuffer buf)
        {
            Func<int> read = () => buf.Length;
            Wire.Send(buf);
            return [|read()|];
        }
        """)]
    [InlineData("use after handoff inside a lambda", """
        Action M(OwnedBuffer buf) => () =>
        {
            Wire.Send(buf);
            Wire.Use([|buf|]);
        };
        """)]
    [InlineData("use after handoff inside a local function", """
        void M(OwnedBuffer buf)
        {
            Local();
            void Local()
            {
                Wire.Send(buf);
                Wire.Use([|buf|]);
            }
        }
        """)]
    [InlineData("local function group conversion after handoff", """
        Func<int> M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            return [|Read|];
            int Read() => buf.Length;
        }
        """)]
    public Task Lambdas_and_local_functions(string name, string source) => Verify(name, source);

    [Theory]
    [InlineData("read before handoff", """
        void M(OwnedBuffer buf)
        {
            Wire.Use(buf);
            _ = buf.Length;
            Wire.Send(buf);
        }
        """)]
    [InlineData("nameof after handoff", """
        string M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            return nameof(buf);
        }
        """)]
    [InlineData("disposed through ?. and nulled on one branch, then ?.Dispose", """
        void M([TakesOwnership] OwnedBuffer? buf, bool ended)
        {
            if (ended)
            {
                buf?.Dispose();
                buf = null;
            }

            buf?.Dispose();
        }
        """)]
    [InlineData("reassigned after handoff", """
        void M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            buf = pool.Rent();
            Wire.Send(buf);
        }
        """)]
    [InlineData("reassigned from await after handoff", """
        async Task M(OwnedBuffer buf)
        {
            await sock.SendAsync(buf);
            buf = await sock.ReceiveAsync();
            await sock.SendAsync(buf);
        }
        """)]
    [InlineData("reinitialised by out argument", """
        void M(OwnedBuffer? buf)
        {
            if (buf is null) return;
            Wire.Send(buf);
            if (pool.TryRent(out buf))
            {
                Wire.Send(buf);
            }
        }
        """)]
    [InlineData("reinitialised in every loop iteration", """
        void M(int n)
        {
            for (var i = 0; i < n; i++)
            {
                var buf = pool.Rent();
                Wire.Use(buf);
                Wire.Send(buf);
            }
        }
        """)]
    [InlineData("handoff in one branch, use in the other", """
        void M(OwnedBuffer buf, bool flag)
        {
            if (flag) Wire.Send(buf);
            else Wire.Use(buf);
        }
        """)]
    [InlineData("return right after handoff", """
        void M(OwnedBuffer buf, bool flag)
        {
            if (flag)
            {
                Wire.Send(buf);
                return;
            }
            Wire.Use(buf);
            buf.Dispose();
        }
        """)]
    [InlineData("throw right after handoff", """
        void M(OwnedBuffer buf, bool flag)
        {
            if (flag)
            {
                Wire.Send(buf);
                throw new InvalidOperationException();
            }
            Wire.Use(buf);
        }
        """)]
    [InlineData("using declaration disposes after handoff", """
        void M()
        {
            using var buf = pool.Rent();
            Wire.Use(buf);
            Wire.Send(buf);
        }
        """)]
    [InlineData("using statement disposes after handoff", """
        void M()
        {
            using (var buf = pool.Rent())
            {
                Wire.Send(buf);
            }
        }
        """)]
    [InlineData("await using after handoff", """
        async Task M()
        {
            using var buf = await sock.ReceiveAsync();
            await sock.SendAsync(buf);
        }
        """)]
    [InlineData("lambda created before handoff and not invoked after", """
        void M(OwnedBuffer buf)
        {
            Func<int> read = () => buf.Length;
            Console.WriteLine(read());
            Wire.Send(buf);
        }
        """)]
    [InlineData("local function declared but called before handoff", """
        void M(OwnedBuffer buf)
        {
            Console.WriteLine(Read());
            Wire.Send(buf);
            int Read() => buf.Length;
        }
        """)]
    [InlineData("shadowing lambda parameter", """
        Func<OwnedBuffer, int> M(OwnedBuffer buf)
        {
            Wire.Send(buf);
            return static buf => buf.Length;
        }
        """)]
    [InlineData("different variable used", """
        void M(OwnedBuffer a, OwnedBuffer b)
        {
            Wire.Send(a);
            Wire.Use(b);
            b.Dispose();
        }
        """)]
    [InlineData("stored into field then handed off from the field is fine before", """
        private OwnedBuffer? _kept;
        void M(OwnedBuffer buf)
        {
            _kept = buf;
            Wire.Use(buf);
        }
        """)]
    [InlineData("set to null after handoff then null check", """
        void M(OwnedBuffer? buf)
        {
            if (buf is null) return;
            Wire.Send(buf);
            buf = null;
            if (buf != null) Wire.Use(buf);
        }
        """)]
    [InlineData("null check after dispose is not a use", """
        void M(OwnedBuffer? buf)
        {
            buf?.Dispose();
            if (buf != null) buf.Dispose();
        }
        """)]
    [InlineData("dispose twice is harmless", """
        void M(OwnedBuffer buf)
        {
            buf.Dispose();
            buf.Dispose();
        }
        """)]
    [InlineData("non-owned disposable used after dispose is not ours", """
        void M(System.IO.MemoryStream s)
        {
            s.Dispose();
            _ = s.CanRead;
        }
        """)]
    [InlineData("handoff in a loop with break after", """
        void M(int n)
        {
            var buf = pool.Rent();
            while (true)
            {
                if (n-- == 0)
                {
                    Wire.Send(buf);
                    break;
                }
                Wire.Use(buf);
            }
        }
        """)]
    [InlineData("field reassigned after handoff", """
        private OwnedBuffer _buffer = null!;
        void M()
        {
            Wire.Send(_buffer);
            _buffer = pool.Rent();
            Wire.Use(_buffer);
        }
        """)]
    [InlineData("field of another instance is not tracked", """
        private OwnedBuffer _buffer = null!;
        void M(C other)
        {
            Wire.Send(other._buffer);
            Wire.Use(_buffer);
        }
        """)]
    [InlineData("switch with handoff in every case then reassign", """
        void M(OwnedBuffer buf, int k)
        {
            switch (k)
            {
                case 0: Wire.Send(buf); break;
                default: buf.Dispose(); break;
            }
            buf = pool.Rent();
            Wire.Send(buf);
        }
        """)]
    [InlineData("try-finally where every path returns before", """
        int M(OwnedBuffer buf, bool f)
        {
            try
            {
                if (f) { return Wire.SendWith(buf, 0); }
                Wire.Use(buf);
            }
            finally
            {
                Console.WriteLine();
            }
            Wire.Use(buf);
            return 0;
        }
        """)]
    [InlineData("capture into lambda before handoff", """
        void M(OwnedBuffer buf, List<Func<int>> readers)
        {
            readers.Add(() => buf.Length);
            Wire.Send(buf);
        }
        """)]
    [InlineData("async loop receives fresh buffer each iteration", """
        async Task M(CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                var buf = await sock.ReceiveAsync(ct);
                Wire.Use(buf);
                await sock.SendAsync(buf, ct);
            }
        }
        """)]
    [InlineData("conditional access on null after TryRent", """
        void M()
        {
            if (pool.TryRent(out var buf))
            {
                Wire.Send(buf);
            }
        }
        """)]
    [InlineData("field refilled by a call to another member", """
        private OwnedBuffer _buffer = null!;
        void Refill() => _buffer = pool.Rent();
        void M()
        {
            Wire.Send(_buffer);
            Refill();
            Wire.Use(_buffer);
        }
        """)]
    [InlineData("foreach variable is fresh each iteration", """
        void M(List<OwnedBuffer> buffers)
        {
            foreach (var b in buffers)
            {
                Wire.Use(b);
                Wire.Send(b);
            }
        }
        """)]
    [InlineData("handoff inside a lambda does not affect the outer variable", """
        void M(OwnedBuffer buf, bool later)
        {
            Action send = () => Wire.Send(buf);
            if (later) return;
            Wire.Use(buf);
        }
        """)]
    [InlineData("is-not-null guard then handoff in a loop with fresh value", """
        async Task M(CancellationToken ct)
        {
            OwnedBuffer? pending = null;
            while (!ct.IsCancellationRequested)
            {
                if (pending is not null)
                {
                    await sock.SendAsync(pending, ct);
                    pending = null;
                }
                pending = await sock.ReceiveAsync(ct);
            }
            pending?.Dispose();
        }
        """)]
    [InlineData("default parameter value and named cancellation", """
        async Task M(OwnedBuffer buf, CancellationToken ct)
        {
            var n = buf.Length;
            await sock.SendAsync(ct: ct, buffer: buf);
            Console.WriteLine(n);
        }
        """)]
    [InlineData("computed property of this is not a variable", """
        private readonly List<OwnedBuffer> _items = new();
        private int _index;
        private OwnedBuffer Current => _items[_index];
        void M()
        {
            Wire.Send(Current);
            _index++;
            Wire.Use(Current);
        }
        """)]
    public Task No_report(string name, string source) => Verify(name, source);

    private static Task Verify(string name, string source)
    {
        _ = name;
        return AnalyzerVerifier.VerifyMembersAsync(source, DiagnosticIds.UseAfterHandoff);
    }
}
