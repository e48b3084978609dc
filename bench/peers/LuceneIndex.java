// Lucene 8 indexing peer for bench/index-speed.mjs (Debian's liblucene8-java jars, compiled by the bench).
//
// Usage: java LuceneIndex RAM_MB ANALYZER (whitespace or english) [THREADS]. One JVM serves several
// passes, so that later passes run JIT-compiled code: it reads lines `CORPUS OUT VECTORS` on stdin and
// indexes the TSV corpus (`id<TAB>text`) into OUT, then prints one JSON line: docs, seconds, the JVM's
// CPU seconds for the pass and its peak RSS so far. On one thread (the default) the main thread reads,
// analyzes and indexes, and merges run in it too (SerialMergeScheduler). On THREADS > 1 that many
// threads take batches of lines from the one reader and call addDocument concurrently, as Anserini's
// IndexCollection -threads does: each thread fills a segment of its own (no forceMerge at the end,
// Anserini's default).
// The documents hold what a qexp index holds: the id (stored, not analyzed) and the text, analyzed by
// WhitespaceAnalyzer (or EnglishAnalyzer: Anserini's default chain), indexed with frequencies and no
// positions (IndexOptions.DOCS_AND_FREQS), with term vectors (qexp's docvectors, which RM3 reads) when
// VECTORS is 1.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SerialMergeScheduler;
import org.apache.lucene.store.FSDirectory;

public class LuceneIndex {
  static double cpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
  }

  static long peakRssKb() throws Exception {
    for (String line : Files.readAllLines(Paths.get("/proc/self/status")))
      if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
    return -1;
  }

  /** Indexes lines taken from IN, BATCH at a time (the reader is shared when several threads call this). */
  static long indexLines(BufferedReader in, IndexWriter writer, FieldType contents) throws Exception {
    final int batch = 1000;
    String[] lines = new String[batch];
    long docs = 0;
    for (;;) {
      int n = 0;
      synchronized (in) {
        for (String line; n < batch && (line = in.readLine()) != null; ) lines[n++] = line;
      }
      if (n == 0) return docs;
      for (int i = 0; i < n; i++) {
        String line = lines[i];
        int tab = line.indexOf('\t');
        Document doc = new Document();
        doc.add(new StringField("id", line.substring(0, tab), Field.Store.YES));
        doc.add(new Field("contents", line.substring(tab + 1), contents));
        writer.addDocument(doc);
      }
      docs += n;
    }
  }

  public static void main(String[] args) throws Exception {
    double ramMb = Double.parseDouble(args.length > 0 ? args[0] : "1024");
    boolean english = args.length > 1 && args[1].equals("english");
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads) : null;
    BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String cmd; (cmd = commands.readLine()) != null; ) {
      String[] a = cmd.split(" ");
      Path corpus = Paths.get(a[0]);
      Path out = Paths.get(a[1]);
      boolean vectors = a[2].equals("1");
      FieldType contents = new FieldType();
      contents.setIndexOptions(IndexOptions.DOCS_AND_FREQS);
      contents.setTokenized(true);
      contents.setStoreTermVectors(vectors);
      contents.freeze();
      Analyzer analyzer = english ? new EnglishAnalyzer() : new WhitespaceAnalyzer();
      IndexWriterConfig config = new IndexWriterConfig(analyzer);
      config.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
      config.setRAMBufferSizeMB(ramMb);
      config.setUseCompoundFile(false);
      if (threads == 1) config.setMergeScheduler(new SerialMergeScheduler());
      double cpu0 = cpuSeconds();
      long t0 = System.nanoTime();
      long docs;
      try (FSDirectory dir = FSDirectory.open(out);
          IndexWriter writer = new IndexWriter(dir, config);
          BufferedReader in = Files.newBufferedReader(corpus, StandardCharsets.UTF_8)) {
        if (pool == null) docs = indexLines(in, writer, contents);
        else {
          Callable<Long> task = () -> indexLines(in, writer, contents);
          docs = 0;
          // get() rethrows a thread's failure (wrapped in an ExecutionException)
          for (Future<Long> f : pool.invokeAll(Collections.nCopies(threads, task))) docs += f.get();
        }
        writer.commit();
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.println(
          "{\"docs\":" + docs + ",\"secs\":" + secs + ",\"cpuSecs\":" + (cpuSeconds() - cpu0) + ",\"peakRssMB\":" + peakRssKb() / 1024.0 + "}");
      System.out.flush();
    }
    if (pool != null) pool.shutdown();
  }
}
