// pgjdbc (Debian libpostgresql-jdbc-java) checks for the fidelity suite: pgjdbc.test.ts runs this file once
// directly and once through the gateway (java's source-file mode, no build step) and compares the JSON it
// prints. Arguments: JDBC URL, user, password ("" for none).
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.*;
import java.util.*;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

public class PgjdbcChecks {
  interface Check { Object run(Connection c) throws Exception; }

  static String url, user, password;

  static Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    if (!password.isEmpty()) p.setProperty("password", password);
    p.setProperty("sslmode", "disable");
    p.setProperty("prepareThreshold", "1"); // named server-side statements from the first use
    p.setProperty("ApplicationName", "fidelity-jdbc");
    return DriverManager.getConnection(url, p);
  }

  static List<Object> rows(ResultSet rs) throws SQLException {
    List<Object> out = new ArrayList<>();
    int n = rs.getMetaData().getColumnCount();
    while (rs.next()) {
      List<Object> row = new ArrayList<>();
      for (int i = 1; i <= n; i++) row.add(rs.getString(i));
      out.add(row);
    }
    return out;
  }

  static Map<String, Object> error(SQLException e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sqlstate", e.getSQLState());
    if (e instanceof PSQLException && ((PSQLException) e).getServerErrorMessage() != null) {
      ServerErrorMessage s = ((PSQLException) e).getServerErrorMessage();
      m.put("message", s.getMessage());
      m.put("severity", s.getSeverity());
      m.put("position", s.getPosition());
      m.put("detail", s.getDetail());
      m.put("hint", s.getHint());
      m.put("constraint", s.getConstraint());
    } else m.put("message", e.getMessage());
    return m;
  }

  static Map<String, Check> checks() {
    Map<String, Check> m = new LinkedHashMap<>();
    m.put("simple statement", c -> {
      try (Statement s = c.createStatement()) {
        return rows(s.executeQuery("SELECT 1 AS one, 'a'::text AS t, NULL::int AS n"));
      }
    });
    m.put("prepared statement reused", c -> {
      List<Object> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT name FROM items WHERE id = ?")) {
        for (int id : new int[] {1, 2, 3, 1, 2}) {
          ps.setInt(1, id);
          out.add(rows(ps.executeQuery()));
        }
      }
      return out;
    });
    m.put("type round trips", c -> {
      Map<String, Object> out = new LinkedHashMap<>();
      try (Statement s = c.createStatement()) {
        out.put("stored", rows(s.executeQuery("SELECT * FROM items ORDER BY id")));
      }
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT ?::numeric, ?::bytea, ?::json, ?::jsonb, ?::int[], ?::timestamptz, ?::uuid, ?::interval")) {
        ps.setBigDecimal(1, new java.math.BigDecimal("12345678901234567890.000000001"));
        ps.setBytes(2, new byte[] {0, 1, (byte) 254, (byte) 255});
        ps.setString(3, "{\"k\": [1, 2]}");
        ps.setString(4, "{\"z\": 1, \"a\": \"é\"}");
        ps.setArray(5, c.createArrayOf("int4", new Integer[] {1, null, 3}));
        ps.setObject(6, java.time.OffsetDateTime.parse("2024-02-29T11:34:56.789Z"));
        ps.setObject(7, UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
        ps.setString(8, "1 year 2 mons 3 days 04:05:06.5");
        out.put("echoed", rows(ps.executeQuery()));
      }
      return out;
    });
    m.put("transactions and savepoints", c -> {
      c.setAutoCommit(false);
      Map<String, Object> out = new LinkedHashMap<>();
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO sink VALUES (1, 'kept')");
        Savepoint sp = c.setSavepoint("s1");
        s.execute("INSERT INTO sink VALUES (2, 'undone')");
        c.rollback(sp);
        out.put("inside", rows(s.executeQuery("SELECT id, v FROM sink ORDER BY id")));
        try { s.execute("SELECT 1/0"); } catch (SQLException e) { out.put("failed", e.getSQLState()); }
        c.rollback();
        out.put("after", rows(s.executeQuery("SELECT count(*) FROM sink")));
        c.rollback();
      }
      return out;
    });
    m.put("errors with fields", c -> {
      List<Object> out = new ArrayList<>();
      try (Statement s = c.createStatement()) {
        for (String sql : new String[] {"SELECT 1/0", "SELECT nope FROM items",
            "INSERT INTO items (id, name) VALUES (1, 'dup')", "INSERT INTO items (id) VALUES (9)", "SELEC 1"}) {
          try { s.execute(sql); out.add("no error"); } catch (SQLException e) { out.add(error(e)); }
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT ?::int")) {
        ps.setString(1, "x");
        try { ps.executeQuery(); out.add("no error"); } catch (SQLException e) { out.add(error(e)); }
      }
      try (Statement s = c.createStatement()) { out.add(rows(s.executeQuery("SELECT 2"))); }
      return out;
    });
    m.put("notices as warnings", c -> {
      List<Object> out = new ArrayList<>();
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS items (id int)");
        for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning())
          out.add(Arrays.asList(w.getSQLState(), w.getMessage()));
      }
      return out;
    });
    m.put("LISTEN/NOTIFY", c -> {
      try (Statement s = c.createStatement()) { s.execute("LISTEN fidelity_java"); }
      try (Connection other = connect(); Statement s = other.createStatement()) {
        s.execute("NOTIFY fidelity_java, 'from another session'");
      }
      List<Object> got = new ArrayList<>();
      PGNotification[] ns = c.unwrap(PGConnection.class).getNotifications(5000);
      if (ns != null) for (PGNotification n : ns) got.add(Arrays.asList(n.getName(), n.getParameter()));
      return got;
    });
    m.put("COPY in and out", c -> {
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      StringWriter out = new StringWriter();
      long copiedOut = copy.copyOut("COPY (SELECT id, name, price FROM items ORDER BY id) TO STDOUT WITH CSV", out);
      c.setAutoCommit(false);
      long copiedIn = copy.copyIn("COPY sink (id, v) FROM STDIN",
          new ByteArrayInputStream("10\tcopied\n11\t\\N\n".getBytes(StandardCharsets.UTF_8)));
      List<Object> rows;
      try (Statement s = c.createStatement()) { rows = rows(s.executeQuery("SELECT id, v FROM sink ORDER BY id")); }
      c.rollback();
      return Arrays.asList(out.toString(), copiedOut, copiedIn, rows);
    });
    m.put("fetch size (portal with a row limit)", c -> {
      c.setAutoCommit(false);
      List<Object> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT id FROM big WHERE id <= ? ORDER BY id")) {
        ps.setFetchSize(7);
        ps.setInt(1, 30);
        try (ResultSet rs = ps.executeQuery()) { while (rs.next()) out.add(rs.getInt(1)); }
      }
      c.commit();
      return out;
    });
    m.put("cancel", c -> {
      try (Statement s = c.createStatement()) {
        Thread t = new Thread(() -> { try { Thread.sleep(300); s.cancel(); } catch (Exception e) { } });
        t.start();
        Object result;
        try { s.execute("SELECT pg_sleep(20)"); result = "not cancelled"; } catch (SQLException e) { result = error(e); }
        t.join();
        return Arrays.asList(result, rows(s.executeQuery("SELECT 1")));
      }
    });
    m.put("large result", c -> {
      long sum = 0, count = 0;
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, h FROM big ORDER BY id")) {
        while (rs.next()) { sum += rs.getInt(1) + rs.getString(2).charAt(0); count++; }
      }
      return Arrays.asList(count, sum);
    });
    m.put("parameter status", c -> new TreeMap<>(c.unwrap(PGConnection.class).getParameterStatuses()));
    m.put("several statements", c -> {
      List<Object> out = new ArrayList<>();
      try (Statement s = c.createStatement()) {
        boolean isResult = s.execute("SELECT 1; SELECT 2, 3; UPDATE sink SET v = v WHERE id = -1");
        for (;;) {
          if (isResult) out.add(rows(s.getResultSet()));
          else if (s.getUpdateCount() == -1) break;
          else out.add(s.getUpdateCount());
          isResult = s.getMoreResults();
        }
      }
      return out;
    });
    m.put("large object (FunctionCall)", c -> {
      // LargeObjectManager calls lo_creat, lo_open, lowrite, loread through the FunctionCall message.
      c.setAutoCommit(false);
      org.postgresql.largeobject.LargeObjectManager lom = c.unwrap(PGConnection.class).getLargeObjectAPI();
      long oid = lom.createLO();
      try (org.postgresql.largeobject.LargeObject lo = lom.open(oid, org.postgresql.largeobject.LargeObjectManager.WRITE)) {
        lo.write("large object data".getBytes(StandardCharsets.UTF_8));
      }
      String read;
      try (org.postgresql.largeobject.LargeObject lo = lom.open(oid, org.postgresql.largeobject.LargeObjectManager.READ)) {
        read = new String(lo.read(100), StandardCharsets.UTF_8);
      }
      c.rollback();
      return read;
    });
    m.put("batch with a failing statement", c -> {
      c.setAutoCommit(false);
      List<Object> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO items (id, name) VALUES (?, ?)")) {
        for (int id : new int[] {100, 101, 1, 102}) {
          ps.setInt(1, id);
          ps.setString(2, "batch " + id);
          ps.addBatch();
        }
        try { out.add(Arrays.toString(ps.executeBatch())); } catch (BatchUpdateException e) {
          out.add(Arrays.toString(e.getUpdateCounts()));
          out.add(e.getNextException() == null ? null : e.getNextException().getSQLState());
        }
      }
      c.rollback();
      try (Statement s = c.createStatement()) { out.add(rows(s.executeQuery("SELECT count(*) FROM items"))); }
      c.rollback();
      return out;
    });
    m.put("backend pid", c -> {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
        rs.next();
        return rs.getInt(1) == c.unwrap(PGConnection.class).getBackendPID();
      }
    });
    m.put("connection close", c -> {
      boolean valid = c.isValid(5);
      c.close();
      return Arrays.asList(valid, c.isClosed());
    });
    return m;
  }

  static String json(Object o) {
    if (o == null) return "null";
    if (o instanceof String) {
      StringBuilder b = new StringBuilder("\"");
      for (char ch : ((String) o).toCharArray()) {
        if (ch == '"' || ch == '\\') b.append('\\').append(ch);
        else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
        else b.append(ch);
      }
      return b.append('"').toString();
    }
    if (o instanceof Number || o instanceof Boolean) return o.toString();
    if (o instanceof Map) {
      StringJoiner j = new StringJoiner(",", "{", "}");
      for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) j.add(json(String.valueOf(e.getKey())) + ":" + json(e.getValue()));
      return j.toString();
    }
    if (o instanceof List) {
      StringJoiner j = new StringJoiner(",", "[", "]");
      for (Object e : (List<?>) o) j.add(json(e));
      return j.toString();
    }
    return json(o.toString());
  }

  public static void main(String[] args) throws Exception {
    url = args[0];
    user = args[1];
    password = args[2];
    Map<String, Object> report = new LinkedHashMap<>();
    for (Map.Entry<String, Check> e : checks().entrySet()) {
      try (Connection c = connect()) {
        report.put(e.getKey(), e.getValue().run(c));
      } catch (Exception ex) {
        report.put(e.getKey(), Map.of("exception", ex.getClass().getSimpleName(), "message", String.valueOf(ex.getMessage())));
      }
    }
    System.out.println(json(report));
  }
}
