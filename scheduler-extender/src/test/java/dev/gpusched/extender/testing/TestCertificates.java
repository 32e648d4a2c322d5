package dev.gpusched.extender.testing;

import java.io.StringWriter;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Test-time PKI: CAs and certificates signed by them (BouncyCastle), written as PEM and loaded into Java clients. */
public final class TestCertificates {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A certificate with its key, and the certificate that signed it (itself for a CA). */
  public record Issued(X509Certificate certificate, KeyPair keys, Issued issuer) {
    public X509Certificate ca() {
      return issuer == null ? certificate : issuer.certificate;
    }

    public Issued sign(String commonName, boolean server) throws Exception {
      return TestCertificates.issue(commonName, this, server, false);
    }

    /** Writes {@code cert.pem} and {@code key.pem} into {@code dir} under the given names. */
    public void write(Path certFile, Path keyFile) throws Exception {
      Files.writeString(certFile, pem(certificate));
      Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n"
          + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPrivate().getEncoded())
          + "\n-----END PRIVATE KEY-----\n"); // PKCS#8, which every PEM reader takes
    }
  }

  private TestCertificates() {
  }

  public static Issued ca(String commonName) throws Exception {
    return issue(commonName, null, false, true);
  }

  private static Issued issue(String cn, Issued issuer, boolean server, boolean ca) throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(256);
    KeyPair keys = gen.generateKeyPair();
    X500Name subject = new X500Name("CN=" + cn);
    X500Name issuerName = issuer == null ? subject : new X500Name(issuer.certificate.getSubjectX500Principal().getName());
    Instant now = Instant.now();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, new BigInteger(64, RANDOM),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject, keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    if (ca) {
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } else {
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    }
    if (server) {
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
          new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    }
    var signer = new JcaContentSignerBuilder("SHA256withECDSA")
        .build(issuer == null ? keys.getPrivate() : issuer.keys.getPrivate());
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer));
    return new Issued(cert, keys, issuer);
  }

  public static String pem(Object o) throws Exception {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    }
    return out.toString();
  }

  public static void writeCa(Issued ca, Path file) throws Exception {
    Files.writeString(file, pem(ca.certificate));
  }

  /** An HTTPS client trusting {@code trusted}, presenting {@code client} (or no certificate when null). */
  public static HttpClient client(Issued trusted, Issued client) throws Exception {
    return HttpClient.newBuilder().sslContext(sslContext(trusted, client)).connectTimeout(Duration.ofSeconds(5)).build();
  }

  public static SSLContext sslContext(Issued trusted, Issued client) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", trusted.ca());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (client != null) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("client", client.keys.getPrivate(), new char[0], new X509Certificate[] {client.certificate, client.ca()});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, new char[0]);
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
    return ctx;
  }
}
