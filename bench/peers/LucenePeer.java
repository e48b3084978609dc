// Lucene 8 peer for bench/retrieval-speed.mjs and bench/feedback-speed.mjs (Debian's liblucene8-java),
// compiled by bench/peers/lucene-peer.mjs. Anserini's configuration: WhitespaceAnalyzer (the bench's
// text is already analyzed), BM25Similarity(k1 = 0.9, b = 0.4), postings with frequencies and no
// positions, the id as a stored string field, and a query as a BooleanQuery of SHOULD term clauses, a
// repeated term boosted by its count (Anserini's BagOfWordsQueryGenerator).
//
//   java LucenePeer index CORPUS.tsv DIR   one thread; prints one JSON line (add+commit and forceMerge(1) times)
//   java LucenePeer serve DIR              then commands on stdin, one JSON line (or "ok") per command:
//     load NAME FILE          the queries of FILE (one per line) as set NAME
//     time NAME K THREADS     searches every query of NAME for its top K, spread over THREADS threads;
//                             prints {"ms": wall time}. A query runs on one thread: IndexSearcher.search(query, K),
//                             which counts hits exactly up to 1,000 and then skips (block-max WAND)
//     dump NAME K FILE        writes each query's top K as "query<TAB>id<TAB>float bits" lines (untimed)
//     quit
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Version;

public class LucenePeer {
  static final String FIELD = "contents";

  static BM25Similarity similarity() {
    return new BM25Similarity(0.9f, 0.4f);
  }

  public static void main(String[] args) throws Exception {
    if (args[0].equals("index")) index(args[1], args[2]);
    else serve(args[1]);
  }

  static void index(String corpus, String dir) throws IOException {
    Analyzer analyzer = new WhitespaceAnalyzer();
    IndexWriterConfig config = new IndexWriterConfig(analyzer);
    config.setSimilarity(similarity());
    config.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
    config.setRAMBufferSizeMB(1024);
    config.setUseCompoundFile(false);
    FieldType contents = new FieldType();
    contents.setIndexOptions(IndexOptions.DOCS_AND_FREQS);
    contents.setTokenized(true);
    contents.freeze();
    long t0 = System.nanoTime();
    int docs = 0;
    try (IndexWriter writer = new IndexWriter(FSDirectory.open(Paths.get(dir)), config);
        BufferedReader in = Files.newBufferedReader(Paths.get(corpus), StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        int tab = line.indexOf('\t');
        Document doc = new Document();
        doc.add(new StringField("id", line.substring(0, tab), Field.Store.YES));
        doc.add(new Field(FIELD, line.substring(tab + 1), contents));
        writer.addDocument(doc);
        docs++;
      }
      writer.commit();
      long t1 = System.nanoTime();
      writer.forceMerge(1);
      writer.commit();
      long t2 = System.nanoTime();
      System.out.printf(
          "{\"version\": \"%s\", \"docs\": %d, \"secs\": %.3f, \"mergeSecs\": %.3f}%n",
          Version.LATEST, docs, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
    }
  }

  static Query parse(Analyzer analyzer, String text) throws IOException {
    Map<String, Integer> counts = new LinkedHashMap<>();
    try (TokenStream ts = analyzer.tokenStream(FIELD, text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) counts.merge(term.toString(), 1, Integer::sum);
      ts.end();
    }
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      Query q = new TermQuery(new Term(FIELD, e.getKey()));
      if (e.getValue() > 1) q = new BoostQuery(q, e.getValue());
      b.add(q, BooleanClause.Occur.SHOULD);
    }
    return b.build();
  }

  static void serve(String dir) throws Exception {
    BooleanQuery.setMaxClauseCount(1 << 16);
    IndexSearcher searcher = new IndexSearcher(DirectoryReader.open(FSDirectory.open(Paths.get(dir))));
    searcher.setSimilarity(similarity());
    searcher.setQueryCache(null);
    Analyzer analyzer = new WhitespaceAnalyzer();
    Map<String, Query[]> sets = new HashMap<>();
    Map<Integer, ExecutorService> pools = new HashMap<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.printf("{\"version\": \"%s\", \"segments\": %d}%n", Version.LATEST, searcher.getIndexReader().leaves().size());
    System.out.flush();
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      String[] c = line.split(" ");
      switch (c[0]) {
        case "load": {
          List<Query> qs = new ArrayList<>();
          for (String text : Files.readAllLines(Paths.get(c[2]), StandardCharsets.UTF_8)) qs.add(parse(analyzer, text));
          sets.put(c[1], qs.toArray(new Query[0]));
          System.out.println("{\"queries\": " + qs.size() + "}");
          break;
        }
        case "time": {
          Query[] qs = sets.get(c[1]);
          int k = Integer.parseInt(c[2]);
          int threads = Integer.parseInt(c[3]);
          long t0 = System.nanoTime();
          if (threads == 1) {
            for (Query q : qs) searcher.search(q, k);
          } else {
            ExecutorService pool = pools.computeIfAbsent(threads, Executors::newFixedThreadPool);
            AtomicInteger next = new AtomicInteger();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
              done.add(
                  pool.submit(
                      () -> {
                        for (int i = next.getAndIncrement(); i < qs.length; i = next.getAndIncrement()) searcher.search(qs[i], k);
                        return null;
                      }));
            }
            for (Future<?> f : done) f.get();
          }
          System.out.printf("{\"ms\": %.3f}%n", (System.nanoTime() - t0) / 1e6);
          break;
        }
        case "dump": {
          Query[] qs = sets.get(c[1]);
          int k = Integer.parseInt(c[2]);
          try (BufferedWriter out = Files.newBufferedWriter(Paths.get(c[3]), StandardCharsets.UTF_8)) {
            for (int i = 0; i < qs.length; i++) {
              TopDocs top = searcher.search(qs[i], k);
              for (ScoreDoc sd : top.scoreDocs)
                out.write(i + "\t" + searcher.doc(sd.doc).get("id") + "\t" + Float.floatToIntBits(sd.score) + "\n");
            }
          }
          System.out.println("{\"dumped\": " + qs.length + "}");
          break;
        }
        case "quit":
          for (ExecutorService p : pools.values()) p.shutdown();
          return;
        default:
          throw new IllegalArgumentException("unknown command: " + line);
      }
      System.out.flush();
    }
  }
}
