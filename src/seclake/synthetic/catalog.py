"""Fixed tables the synthetic export draws from: package names, OS flavors, CVSS rows, assessment keys.

Everything here is data; the generator's randomness only picks from these tables, so a seed fully
determines the output. Names are plausible, not copied from any real export.
"""

from __future__ import annotations

from dataclasses import dataclass

from seclake.azure.assessment_keys import keys_by

# ── assessment keys: the one table is seclake.azure.assessment_keys (docs/defender-export.md) ──
# scope -> (first-generation key, 2024 per-image key)
REGISTRY_KEYS: dict[str, tuple[str, str]] = {
    cloud: (keys_by(cloud=cloud, target="registry", generation="first")[0].key,
            keys_by(cloud=cloud, target="registry", generation="per-image")[0].key)
    for cloud in ("azure", "aws", "gcp")
}  # fmt: skip
RUNTIME_KEYS: dict[str, tuple[str, str]] = {
    cloud: (keys_by(cloud=cloud, target="runtime", generation="first")[0].key,
            keys_by(cloud=cloud, target="runtime", generation="per-image")[0].key)
    for cloud in ("azure", "aws", "gcp")
}  # fmt: skip
QUALYS_REGISTRY_KEY = keys_by(target="registry", generation="qualys")[0].key
SERVER_TVM_KEY = "1195afff-c881-495e-9bc5-1486211ae03f"
SQL_VA_KEY = "82e20e14-edc5-4373-bfc4-f13121257c37"

# cloud -> (assessedResourceType registry, runtime, resourceDetails source, kubernetes cloud, cluster kind)
CLOUD_NAMES: dict[str, tuple[str, str, str, str, str]] = {
    "azure": (
        "AzureContainerRegistryVulnerability",
        "AzureRuntimeImageVulnerability",
        "Azure",
        "Azure",
        "AKS",
    ),
    "aws": ("AwsContainerRegistryVulnerability", "AwsRuntimeImageVulnerability", "Aws", "AWS", "EKS"),
    "gcp": ("GcpContainerRegistryVulnerability", "GcpRuntimeImageVulnerability", "Gcp", "GCP", "GKE"),
}
IMAGE_ASSESSMENT_TITLES: dict[str, str] = {
    "azure": "Azure registry container images should have vulnerabilities resolved",
    "aws": "AWS registry container images should have vulnerabilities resolved",
    "gcp": "GCP registry container images should have vulnerabilities resolved",
}
API_VERSION = "2019-01-01-preview"


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# ── operating systems: name -> (ecosystem, osVersion, package-version suffix) ──
OS_FLAVORS: dict[str, tuple[str, str, str]] = {
    "ubuntu-20.04": ("deb", "ubuntu_linux_20.04", "-0ubuntu0.20.04.1"),
    "ubuntu-22.04": ("deb", "ubuntu_linux_22.04", "-1ubuntu0.22.04.2"),
    "debian-11": ("deb", "debian_linux_11", "-1+deb11u1"),
    "debian-12": ("deb", "debian_linux_12", "-2+deb12u3"),
    "alpine-3.19": ("apk", "alpine_linux_3.19", "-r1"),
    "alpine-3.20": ("apk", "alpine_linux_3.20", "-r0"),
    "azurelinux-3.0": ("rpm", "azure_linux_3.0", "-1.azl3"),
    "ubi-9": ("rpm", "red_hat_enterprise_linux_9", "-1.el9"),
}
OS_WEIGHTS: dict[str, int] = {
    "ubuntu-20.04": 12, "ubuntu-22.04": 22, "debian-11": 10, "debian-12": 22,
    "alpine-3.19": 10, "alpine-3.20": 12, "azurelinux-3.0": 6, "ubi-9": 6,
}  # fmt: skip
# lognormal mu of the number of OS findings per image, by ecosystem (exp(mu) ~ median)
OS_FINDINGS_MU: dict[str, float] = {"deb": 3.1, "apk": 1.0, "rpm": 2.0}
LANGUAGE_FINDINGS_MU = 1.4

# language -> (ecosystem, weight)
LANGUAGES: dict[str, tuple[str, int]] = {
    "python": ("pypi", 24), "javascript": ("npm", 22), "java": ("maven", 16),
    "go": ("go", 12), "dotnet": ("nuget", 8), "": ("", 18),
}  # fmt: skip

_DEB = _names("""libc6 libc-bin libssl3 libssl1.1 openssl zlib1g libcurl4 curl libgnutls30 libgcrypt20 libtasn1-6
libxml2 libxslt1.1 libexpat1 libsqlite3-0 libpcre2-8-0 libpcre3 libncursesw6 libncurses6 libtinfo6
ncurses-base ncurses-bin libsystemd0 libudev1 systemd libkrb5-3 libgssapi-krb5-2 libk5crypto3
libkrb5support0 libldap-2.5-0 libsasl2-2 libsasl2-modules-db libnghttp2-14 librtmp1 libssh-4 libssh2-1
libpsl5 libidn2-0 libunistring2 libzstd1 liblzma5 xz-utils bzip2 libbz2-1.0 tar gzip coreutils bash
dash login passwd libpam0g libpam-modules libpam-runtime libaudit1 libcap2 libcap-ng0 libselinux1
libsemanage2 libsepol2 libacl1 libattr1 util-linux libblkid1 libmount1 libsmartcols1 libuuid1 mount
libfdisk1 e2fsprogs libext2fs2 libcom-err2 libss2 logsave perl-base perl libperl5.34 git git-man
libgit2-1.1 python3.10 python3.10-minimal libpython3.10-stdlib libpython3.10-minimal python3.11
libpython3.11-stdlib openssh-client wget ca-certificates gnupg gpgv libgpg-error0 libassuan0 libksba8
libnpth0 dirmngr libsqlite3-dev libxml2-dev libjpeg-turbo8 libjpeg62-turbo libpng16-16 libtiff5
libtiff6 libwebp7 libwebp6 libfreetype6 libfontconfig1 fontconfig-config libharfbuzz0b libcairo2
libpixman-1-0 libx11-6 libx11-data libxext6 libxrender1 libxpm4 libgd3 imagemagick-6-common
libmagickcore-6.q16-6 libmagickwand-6.q16-6 libheif1 libde265-0 libaom3 libdav1d6 libavcodec58
libavformat58 libvpx7 libopenjp2-7 libjbig0 liblcms2-2 libglib2.0-0 libdbus-1-3 dbus libexpat1-dev
libffi8 libgmp10 libnettle8 libhogweed6 libp11-kit0 libkeyutils1 libcom-err2-dev libdb5.3 libgdbm6
libreadline8 readline-common libedit2 libbsd0 libmd0 libxxhash0 liblz4-1 libseccomp2 libapparmor1
libelf1 libdw1 binutils libbinutils gcc-12-base libgcc-s1 libstdc++6 cpp-12 libgomp1 libatomic1
libquadmath0 libtirpc3 libnsl2 libsqlite3-0-dbg apt libapt-pkg6.0 dpkg sensible-utils debconf
tzdata locales libicu70 libicu72 libevent-2.1-7 libmysqlclient21 libpq5 libmariadb3 nginx nginx-common
libnginx-mod-http-geoip2 libgeoip1 libmaxminddb0 libyaml-0-2 libonig5 libzip4 libsodium23 libargon2-1
libcjson1 libjansson4 libmbedcrypto7 libmbedtls14 libsnmp40 libwrap0 libsqlcipher0 vim-tiny xxd
less procps libprocps8 sudo""")
_APK = _names("""musl musl-utils busybox busybox-binsh ssl_client libcrypto3 libssl3 zlib apk-tools libcurl
curl libexpat xz-libs libbz2 sqlite-libs ncurses-libs ncurses-terminfo-base libxml2 c-ares nghttp2-libs
pcre2 krb5-libs libuuid libgcc libstdc++ gnutls libtasn1 libffi libintl openssh-client-default
libpq""")
_RPM = _names("""glibc glibc-common glibc-minimal-langpack openssl-libs openssl zlib curl libcurl expat
sqlite-libs pcre2 ncurses-libs ncurses-base krb5-libs libxml2 libgcrypt gnutls libtasn1 systemd-libs
systemd libssh libnghttp2 xz-libs bzip2-libs python3 python3-libs rpm rpm-libs dnf libsolv
libdnf gnupg2 gpgme libarchive libzstd lz4-libs pam shadow-utils util-linux libblkid libmount
coreutils-single bash tar gzip""")
_PYPI = _names("""requests urllib3 certifi idna charset-normalizer setuptools pip wheel cryptography pyopenssl
jinja2 markupsafe werkzeug flask django sqlalchemy pyyaml pillow numpy pandas scipy aiohttp
protobuf grpcio paramiko lxml tornado gunicorn uvicorn starlette fastapi pydantic jupyter-server
notebook transformers torch mlflow""")
_NPM = _names("""lodash minimist axios express body-parser qs semver tough-cookie ws node-fetch follow-redirects
json5 jsonwebtoken moment ua-parser-js glob-parent ansi-regex nth-check postcss tar path-to-regexp
cookie send serve-static debug ms word-wrap braces micromatch cross-spawn ip undici xml2js socket.io
socket.io-parser engine.io webpack""")
_MAVEN = _names("""org.apache.logging.log4j:log4j-core org.springframework:spring-web
org.springframework:spring-webmvc org.springframework:spring-core org.springframework.boot:spring-boot
com.fasterxml.jackson.core:jackson-databind com.fasterxml.jackson.core:jackson-core
org.yaml:snakeyaml io.netty:netty-codec-http io.netty:netty-handler org.apache.tomcat.embed:tomcat-embed-core
com.google.guava:guava com.google.protobuf:protobuf-java commons-io:commons-io
org.apache.commons:commons-text org.apache.commons:commons-compress ch.qos.logback:logback-core
ch.qos.logback:logback-classic org.bouncycastle:bcprov-jdk18on com.h2database:h2 org.postgresql:postgresql
com.nimbusds:nimbus-jose-jwt org.eclipse.jetty:jetty-server io.projectreactor.netty:reactor-netty-http
org.apache.kafka:kafka-clients""")
_GO = _names("""golang.org/x/net golang.org/x/crypto golang.org/x/text golang.org/x/sys stdlib
google.golang.org/grpc google.golang.org/protobuf github.com/golang-jwt/jwt/v4 github.com/gin-gonic/gin
github.com/docker/docker github.com/opencontainers/runc github.com/containerd/containerd
github.com/prometheus/client_golang gopkg.in/yaml.v3 github.com/hashicorp/go-getter""")
_NUGET = _names("""System.Text.Json Newtonsoft.Json System.Net.Http Microsoft.Data.SqlClient
System.Security.Cryptography.Xml Microsoft.AspNetCore.App.Runtime.linux-x64 Azure.Identity
Microsoft.IdentityModel.JsonWebTokens System.Drawing.Common Npgsql""")

# ecosystem -> (package names, softwareDetails.category, softwareDetails.language)
ECOSYSTEMS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "deb": (_DEB, "OS", ""),
    "apk": (_APK, "OS", ""),
    "rpm": (_RPM, "OS", ""),
    "pypi": (_PYPI, "Language", "python"),
    "npm": (_NPM, "Language", "javascript"),
    "maven": (_MAVEN, "Language", "java"),
    "go": (_GO, "Language", "go"),
    "nuget": (_NUGET, "Language", "dotnet"),
}
PACKAGE_COUNT = sum(len(names) for names, _, _ in ECOSYSTEMS.values())


@dataclass(frozen=True, slots=True)
class CvssRow:
    """One CVSS v3 base vector with its score."""

    vector: str
    score: float


# severity -> (weight among MDVM findings, rows of the band)
SEVERITIES: dict[str, tuple[int, tuple[CvssRow, ...]]] = {
    "Critical": (
        4,
        (
            CvssRow("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            CvssRow("AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            CvssRow("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", 9.1),
        ),
    ),
    "High": (
        19,
        (
            CvssRow("AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            CvssRow("AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            CvssRow("AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8),
            CvssRow("AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8),
            CvssRow("AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1),
        ),
    ),
    "Medium": (
        40,
        (
            CvssRow("AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
            CvssRow("AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", 5.3),
            CvssRow("AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", 5.5),
            CvssRow("AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            CvssRow("AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N", 4.7),
            CvssRow("AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", 6.5),
        ),
    ),
    "Low": (
        35,
        (
            CvssRow("AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N", 3.3),
            CvssRow("AV:L/AC:H/PR:L/UI:N/S:U/C:N/I:N/A:L", 2.5),
            CvssRow("AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1),
            CvssRow("AV:P/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 2.4),
        ),
    ),
    "Unknown": (2, ()),
}
# fixStatus -> weight; whether a fixedVersion is given
FIX_STATUSES: dict[str, tuple[int, bool]] = {
    "FixAvailable": (68, True), "NoFixAvailable": (20, False), "WontFix": (6, False),
    "Scheduled": (4, False), "Unknown": (2, False),
}  # fmt: skip
CWES = ("CWE-787", "CWE-79", "CWE-125", "CWE-20", "CWE-416", "CWE-22", "CWE-190", "CWE-476",
        "CWE-400", "CWE-770", "CWE-1333", "CWE-502", "CWE-295", "CWE-200", "CWE-835", "CWE-120")  # fmt: skip
VULN_NOUNS = ("buffer overflow", "use-after-free", "out-of-bounds read", "denial of service",
              "integer overflow", "NULL pointer dereference", "path traversal", "improper certificate validation",
              "regular expression denial of service", "information disclosure", "deserialization flaw",
              "heap overflow", "race condition", "infinite loop")  # fmt: skip

# ── names for registries, repositories, clusters ──
TEAMS = ("payments", "checkout", "identity", "search", "platform", "data", "ml", "web", "mobile-api",
         "billing", "catalog", "notifications", "infra", "analytics", "security")  # fmt: skip
SERVICES = ("api", "worker", "gateway", "frontend", "scheduler", "ingest", "exporter", "auth", "cache",
            "indexer", "proxy", "batch", "reporter", "sync", "webhook", "admin", "cron", "consumer")  # fmt: skip
REGISTRY_WORDS = ("contoso", "fabrikam", "northwind", "tailspin", "woodgrove", "adatum", "litware",
                  "proseware", "wingtip", "fourthcoffee", "alpineski", "relecloud")  # fmt: skip
AZURE_REGIONS = ("westeurope", "eastus", "eastus2", "northeurope", "uksouth", "swedencentral")
AWS_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
GCP_REGIONS = ("us-central1", "europe-west1", "europe-west4", "asia-northeast1")
CONTROLLER_KINDS = ("Deployment", "Deployment", "Deployment", "StatefulSet", "DaemonSet", "CronJob")
UNSCANNED_REASONS = (
    "Image was not pushed or pulled in the last 90 days",
    "Unsupported operating system",
    "Image size exceeds the scanning limit",
    "Image scan failed: manifest could not be read",
)

# ── records the mapper must skip ──
ALERT_TYPES: tuple[tuple[str, str, str, str], ...] = (
    # AlertType, display name, severity, intent
    ("K8S.NODE_DigitalCurrencyMining", "Digital currency mining related behavior detected", "High", "Impact"),
    ("K8S_PrivilegedContainer", "Privileged container detected", "Low", "PrivilegeEscalation"),
    ("K8S.NODE_ReverseShell", "Possible reverse shell detected", "High", "Execution"),
    ("K8S_ExposedDashboard", "Exposed Kubernetes dashboard detected", "Medium", "InitialAccess"),
    ("K8S.NODE_SuspectDownload", "Detected suspicious file download", "Medium", "Execution"),
    ("VM_SuspiciousPowerShell", "Suspicious PowerShell activity detected", "Informational", "Execution"),
)
COMPLIANCE_CONTROLS: tuple[tuple[str, str, str], ...] = (
    # standard, control, description
    ("Microsoft-cloud-security-benchmark", "PV.5", "Perform vulnerability assessments"),
    ("Microsoft-cloud-security-benchmark", "PV.6", "Rapidly and automatically remediate vulnerabilities"),
    ("Microsoft-cloud-security-benchmark", "NS.2", "Secure cloud services with network controls"),
    ("CIS-Azure-2.0.0", "2.1.1", "Ensure that Microsoft Defender for Servers is set to On"),
    ("CIS-Azure-2.0.0", "2.1.8", "Ensure that Microsoft Defender for Containers is set to On"),
    ("PCI-DSS-4", "6.3.3", "Security patches are installed within one month of release"),
)
SECURE_SCORE_CONTROLS: tuple[tuple[str, int], ...] = (
    ("Remediate vulnerabilities", 6),
    ("Apply system updates", 6),
    ("Enable encryption at rest", 4),
    ("Restrict unauthorized network access", 4),
    ("Manage access and permissions", 4),
)
OTHER_RECOMMENDATIONS: tuple[tuple[str, str], ...] = (
    ("3b20e985-f71f-483b-b078-f30d73936d43", "Storage accounts should restrict network access"),
    ("4fb67663-9ab9-475d-b026-8c544cced439", "Linux virtual machines should enable Azure Disk Encryption"),
    ("1195afff-c881-495e-9bc5-1486211ae03f", "Machines should have vulnerability findings resolved"),
)
