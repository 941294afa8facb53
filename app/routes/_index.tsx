import { useTranslation } from "react-i18next";

export default function Home() {
  const { t } = useTranslation();
  return (
    <section className="card" aria-labelledby="home-title">
      <h1 id="home-title">{t("home.heading")}</h1>
      <p>{t("home.intro")}</p>
      <p>{t("home.noLink")}</p>
      <p className="hint">{t("home.safety")}</p>
    </section>
  );
}
