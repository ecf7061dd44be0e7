"""Short customer messages in 24 languages (written for these tests), with their ISO 639-1 code."""

from __future__ import annotations

LANGUAGE_SAMPLES: dict[str, list[str]] = {
    "en": [
        "Where is my parcel?",
        "I want to cancel my subscription",
        "The app keeps crashing",
        "My card was charged twice and nobody answers the phone",
    ],
    "es": [
        "¿Dónde está mi pedido?",
        "Quiero cancelar mi suscripción",
        "La aplicación no funciona",
        "Me cobraron dos veces y nadie contesta el teléfono",
    ],
    "de": [
        "Wo ist mein Paket?",
        "Ich möchte mein Abo kündigen",
        "Die App stürzt ständig ab",
        "Meine Karte wurde doppelt belastet und niemand geht ans Telefon",
    ],
    "fr": [
        "Où est mon colis ?",
        "Je veux résilier mon abonnement",
        "L'application plante tout le temps",
        "Ma carte a été débitée deux fois et personne ne répond",
    ],
    "it": [
        "Dov'è il mio pacco?",
        "Voglio annullare il mio abbonamento",
        "L'app continua a bloccarsi",
        "Mi avete addebitato due volte e nessuno risponde al telefono",
    ],
    "pt": [
        "Onde está a minha encomenda?",
        "Quero cancelar a minha assinatura",
        "O aplicativo não para de travar",
        "Fui cobrado duas vezes e ninguém atende o telefone",
    ],
    "nl": [
        "Waar is mijn pakket?",
        "Ik wil mijn abonnement opzeggen",
        "De app blijft crashen",
        "Mijn kaart is twee keer belast en niemand neemt de telefoon op",
    ],
    "pl": [
        "Gdzie jest moja paczka?",
        "Chcę anulować subskrypcję",
        "Aplikacja ciągle się zawiesza",
        "Obciążono moją kartę dwa razy i nikt nie odbiera telefonu",
    ],
    "sv": [
        "Var är mitt paket?",
        "Jag vill avsluta mitt abonnemang",
        "Appen kraschar hela tiden",
        "Mitt kort debiterades två gånger och ingen svarar i telefon",
    ],
    "da": [
        "Hvor er min pakke?",
        "Jeg vil opsige mit abonnement",
        "Appen bliver ved med at gå ned",
        "Mit kort blev trukket to gange, og ingen tager telefonen",
    ],
    "nb": [
        "Hvor er pakken min?",
        "Jeg vil si opp abonnementet mitt",
        "Appen krasjer hele tiden",
        "Kortet mitt ble belastet to ganger og ingen svarer på telefonen",
    ],
    "fi": [
        "Missä pakettini on?",
        "Haluan peruuttaa tilaukseni",
        "Sovellus kaatuu jatkuvasti",
        "Korttiani veloitettiin kahdesti eikä kukaan vastaa puhelimeen",
    ],
    "tr": [
        "Kargom nerede?",
        "Aboneliğimi iptal etmek istiyorum",
        "Uygulama sürekli çöküyor",
        "Kartımdan iki kez ödeme alındı ve kimse telefonu açmıyor",
    ],
    "ru": [
        "Где моя посылка?",
        "Я хочу отменить подписку",
        "Приложение постоянно вылетает",
        "С моей карты списали деньги дважды, и никто не берёт трубку",
    ],
    "uk": [
        "Де моя посилка?",
        "Я хочу скасувати підписку",
        "Застосунок постійно вилітає",
        "З моєї картки двічі списали гроші, і ніхто не відповідає",
    ],
    "ar": [
        "أين طردي؟",
        "أريد إلغاء اشتراكي",
        "التطبيق يتوقف باستمرار",
        "تم خصم المبلغ من بطاقتي مرتين ولا أحد يرد على الهاتف",
    ],
    "zh": ["我的包裹在哪里？", "我想取消订阅", "应用一直崩溃", "我的卡被扣了两次款，没有人接电话"],
    "ja": [
        "荷物はどこですか？",
        "サブスクリプションを解約したいです",
        "アプリが何度も落ちます",
        "カードが二重に請求されて、誰も電話に出ません",
    ],
    "ko": [
        "제 택배는 어디에 있나요?",
        "구독을 취소하고 싶어요",
        "앱이 계속 꺼져요",
        "카드에서 두 번 결제되었는데 아무도 전화를 받지 않아요",
    ],
    "hi": [
        "मेरा पार्सल कहाँ है?",
        "मैं अपनी सदस्यता रद्द करना चाहता हूँ",
        "ऐप बार-बार बंद हो जाता है",
        "मेरे कार्ड से दो बार पैसे कटे और कोई फ़ोन नहीं उठाता",
    ],
    "cs": [
        "Kde je můj balík?",
        "Chci zrušit předplatné",
        "Aplikace pořád padá",
        "Z karty mi strhli peníze dvakrát a nikdo nebere telefon",
    ],
    "ro": [
        "Unde este coletul meu?",
        "Vreau să îmi anulez abonamentul",
        "Aplicația se blochează mereu",
        "Mi-ați luat banii de două ori de pe card și nu răspunde nimeni",
    ],
    "el": [
        "Πού είναι το δέμα μου;",
        "Θέλω να ακυρώσω τη συνδρομή μου",
        "Η εφαρμογή κολλάει συνέχεια",
        "Με χρέωσαν δύο φορές και κανείς δεν σηκώνει το τηλέφωνο",
    ],
    "hu": [
        "Hol van a csomagom?",
        "Le szeretném mondani az előfizetésemet",
        "Az alkalmazás folyton összeomlik",
        "Kétszer terhelték meg a kártyámat, és senki nem veszi fel a telefont",
    ],
}
