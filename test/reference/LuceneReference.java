import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.cjk.CJKAnalyzer;
import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.SimpleAnalyzer;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.tokenattributes.TypeAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.MultiTerms;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;
import org.jsoup.Jsoup;

/**
 * The reference side of qexp's differential tests (test/retrieval/lucene-differential.test.ts),
 * run on Lucene 8 and Jsoup jars. Texts travel as base64 of their UTF-16 code units, so that no
 * character is lost on the way, lone surrogates included.
 *
 *   tokens ANALYZER   stdin "id TAB base64(text)" lines; stdout "id TAB base64(tokens)", tokens
 *                     joined by U+0001, each "term U+0002 type" (analyzers: standard, english,
 *                     cjk, whitespace, simple)
 *   stem              stdin one word a line; stdout its Porter stem (Lucene's PorterStemmer)
 *   probe FROM TO     for every code point in [FROM, TO): the tokens of a few strings around
 *                     it, written as runs "first-code-point TAB signature" where it changes
 *   jsoup             stdin "id TAB base64(html)"; stdout "id TAB base64(Jsoup.parse(html).text())"
 *   bench TEXTS SECONDS  EnglishAnalyzer over TEXTS ("id TAB base64(text)") on one thread, passes
 *                     after a warm-up until SECONDS have gone: "tokens chars seconds" (bench/)
 *   bm25 DOCS TOPICS K k1 b   index DOCS ("id TAB base64(text)") with EnglishAnalyzer and BM25,
 *                     print "stats docs uniqueTerms totalTerms", then for each topic of TOPICS
 *                     its top K as "qid TAB docid TAB score" (score as Float.floatToIntBits),
 *                     queries a bag of words (a repeated term boosted by its count, as Anserini)
 */
public class LuceneReference {
  static final Base64.Decoder DEC = Base64.getDecoder();
  static final Base64.Encoder ENC = Base64.getEncoder();

  /** base64 of UTF-16LE code units, unchecked: lone surrogates arrive as they were sent. */
  static String dec(String b64) {
    return ByteBuffer.wrap(DEC.decode(b64)).order(ByteOrder.LITTLE_ENDIAN).asCharBuffer().toString();
  }

  static String enc(String s) {
    ByteBuffer b = ByteBuffer.allocate(s.length() * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < s.length(); i++) b.putChar(s.charAt(i));
    return ENC.encodeToString(b.array());
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, "UTF-8");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    switch (args[0]) {
      case "tokens": {
        Analyzer a = analyzer(args[1]);
        for (String line; (line = in.readLine()) != null; ) {
          int tab = line.indexOf('\t');
          String text = dec(line.substring(tab + 1));
          StringBuilder sb = new StringBuilder();
          try (TokenStream ts = a.tokenStream("f", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            TypeAttribute type = ts.addAttribute(TypeAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
              if (sb.length() > 0) sb.append('\u0001');
              sb.append(term).append('\u0002').append(type.type());
            }
            ts.end();
          }
          out.println(line.substring(0, tab) + "\t" + enc(sb.toString()));
        }
        break;
      }
      case "stem": {
        Analyzer a = new Analyzer() {
          protected TokenStreamComponents createComponents(String f) {
            Tokenizer t = new KeywordTokenizer();
            return new TokenStreamComponents(t, new PorterStemFilter(t));
          }
        };
        for (String line; (line = in.readLine()) != null; ) {
          try (TokenStream ts = a.tokenStream("f", line)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            ts.incrementToken();
            out.println(term.toString());
            ts.end();
          }
        }
        break;
      }
      case "probe": {
        int from = Integer.parseInt(args[1]);
        int to = Integer.parseInt(args[2]);
        String[] templates = probeTemplates();
        StandardTokenizer t = new StandardTokenizer();
        CharTermAttribute term = t.addAttribute(CharTermAttribute.class);
        OffsetAttribute off = t.addAttribute(OffsetAttribute.class);
        TypeAttribute type = t.addAttribute(TypeAttribute.class);
        String last = null;
        for (int cp = from; cp < to; cp++) {
          String x = new String(Character.toChars(cp));
          StringBuilder sig = new StringBuilder();
          for (String tpl : templates) {
            t.setReader(new java.io.StringReader(tpl.replace("X", x)));
            t.reset();
            while (t.incrementToken()) sig.append(off.startOffset()).append('-').append(off.endOffset()).append(type.type());
            t.end();
            t.close();
            sig.append('|');
          }
          String s = sig.toString();
          if (!s.equals(last)) out.println(cp + "\t" + s);
          last = s;
        }
        break;
      }
      case "jsoup": {
        for (String line; (line = in.readLine()) != null; ) {
          int tab = line.indexOf('\t');
          String html = dec(line.substring(tab + 1));
          String text = Jsoup.parse(html).text();
          out.println(line.substring(0, tab) + "\t" + enc(text));
        }
        break;
      }
      case "bench": {
        bench(out, args[1], Double.parseDouble(args[2]));
        break;
      }
      case "bm25": {
        bm25(out, args[1], args[2], Integer.parseInt(args[3]), Float.parseFloat(args[4]), Float.parseFloat(args[5]));
        break;
      }
      default:
        throw new IllegalArgumentException("unknown mode " + args[0]);
    }
    out.flush();
  }

  /** Strings around a code point X that tell its character class apart from the others. */
  static String[] probeTemplates() {
    return new String[] {
      "X", "XX", "aXa", "1X1", "aX", "Xa", "1X", "X1", "_X_", "\u05d0X\u05d0", "\u30abX\u30ab", "\uac00X",
      "X\u0301", "\u200dX", "\ud83d\ude00\u200dX", "X\ufe0f", "X\u20e3", "X\ud83c\udffb", "\ud83c\udde6X", "X\udb40\udc61\udb40\udc7f",
      "\u0e01X", "\u05d0X\"\u05d0",
    };
  }

  static Analyzer analyzer(String name) {
    switch (name) {
      case "standard":
        return new Analyzer() {
          protected TokenStreamComponents createComponents(String f) {
            return new TokenStreamComponents(new StandardTokenizer());
          }
        };
      case "english":
        return new EnglishAnalyzer();
      case "cjk":
        return new CJKAnalyzer();
      case "whitespace":
        return new WhitespaceAnalyzer();
      case "simple":
        return new SimpleAnalyzer();
      default:
        throw new IllegalArgumentException("unknown analyzer " + name);
    }
  }

  static void bench(PrintStream out, String path, double seconds) throws Exception {
    List<String[]> texts = readRecords(path);
    Analyzer a = new EnglishAnalyzer();
    long tokens = 0, chars = 0;
    for (int pass = 0; pass < 3; pass++) tokens += analyzeAll(a, texts);
    tokens = 0;
    long t0 = System.nanoTime();
    double elapsed;
    do {
      tokens += analyzeAll(a, texts);
      for (String[] t : texts) chars += t[1].length();
      elapsed = (System.nanoTime() - t0) / 1e9;
    } while (elapsed < seconds);
    out.println(tokens + " " + chars + " " + elapsed);
  }

  static long analyzeAll(Analyzer a, List<String[]> texts) throws Exception {
    long n = 0;
    for (String[] t : texts) {
      try (TokenStream ts = a.tokenStream("contents", t[1])) {
        ts.reset();
        while (ts.incrementToken()) n++;
        ts.end();
      }
    }
    return n;
  }

  static List<String[]> readRecords(String path) throws Exception {
    List<String[]> recs = new ArrayList<>();
    for (String line : Files.readAllLines(Paths.get(path), StandardCharsets.UTF_8)) {
      int tab = line.indexOf('\t');
      recs.add(new String[] {line.substring(0, tab), dec(line.substring(tab + 1))});
    }
    return recs;
  }

  static void bm25(PrintStream out, String docsPath, String topicsPath, int k, float k1, float b) throws Exception {
    Analyzer analyzer = new EnglishAnalyzer();
    ByteBuffersDirectory dir = new ByteBuffersDirectory();
    IndexWriterConfig cfg = new IndexWriterConfig(analyzer).setSimilarity(new BM25Similarity(k1, b)).setRAMBufferSizeMB(256);
    try (IndexWriter w = new IndexWriter(dir, cfg)) {
      for (String[] d : readRecords(docsPath)) {
        Document doc = new Document();
        doc.add(new StringField("id", d[0], Field.Store.YES));
        doc.add(new SortedDocValuesField("id", new BytesRef(d[0])));
        doc.add(new TextField("contents", d[1], Field.Store.NO));
        w.addDocument(doc);
      }
      w.forceMerge(1);
    }
    try (DirectoryReader reader = DirectoryReader.open(dir)) {
      Terms terms = MultiTerms.getTerms(reader, "contents");
      long unique = 0;
      TermsEnum te = terms.iterator();
      while (te.next() != null) unique++;
      out.println("stats\t" + reader.numDocs() + "\t" + unique + "\t" + terms.getSumTotalTermFreq());
      IndexSearcher searcher = new IndexSearcher(reader);
      searcher.setSimilarity(new BM25Similarity(k1, b));
      Sort sort = new Sort(SortField.FIELD_SCORE, new SortField("id", SortField.Type.STRING));
      for (String[] t : readRecords(topicsPath)) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (TokenStream ts = analyzer.tokenStream("contents", t[1])) {
          CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
          ts.reset();
          while (ts.incrementToken()) counts.merge(term.toString(), 1, Integer::sum);
          ts.end();
        }
        BooleanQuery.Builder q = new BooleanQuery.Builder();
        for (Map.Entry<String, Integer> e : counts.entrySet())
          q.add(new BoostQuery(new TermQuery(new Term("contents", e.getKey())), (float) e.getValue()), BooleanClause.Occur.SHOULD);
        if (counts.isEmpty()) continue;
        TopFieldDocs top = searcher.search(q.build(), k, sort, true);
        for (var sd : top.scoreDocs) {
          String id = searcher.doc(sd.doc).get("id");
          out.println(t[0] + "\t" + id + "\t" + Float.floatToIntBits(((FieldDoc) sd).score));
        }
      }
    }
  }
}
