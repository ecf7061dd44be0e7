# ruff: noqa: E501
"""What customers, bots and agents say, in English, Spanish and German.

Intent wording has several variants per intent and language; ``{x}`` marks the one slot a
phrase may have (an order number, an amount or a plan name, depending on the intent; the value
of a personal-data phrase). Effort phrases are the planted signals of customer effort.
"""

from __future__ import annotations

INTENT_OPEN: dict[str, tuple[tuple[str, ...], ...]] = {
    "en": (
        (
            "I was charged {x} twice on my last bill.",
            "There is a charge of {x} on my invoice I don't recognise.",
            "My bill is wrong, you billed me {x} for something I never ordered.",
            "I want to dispute a charge of {x}.",
        ),
        (
            "I can't log in, I need to reset my password.",
            "The password reset link never arrives.",
            "I'm locked out of my account after too many attempts.",
            "How do I change my password? The old one doesn't work.",
        ),
        (
            "Where is my order {x}?",
            "Can you tell me when order {x} will arrive?",
            "I ordered a week ago and order {x} still shows as processing.",
            "I need a status update on order {x}.",
        ),
        (
            "My parcel for order {x} arrived damaged.",
            "The courier says order {x} was delivered but I never got it.",
            "Order {x} came with the wrong item.",
            "Half of order {x} is missing from the box.",
        ),
        (
            "I returned order {x} two weeks ago and still have no refund.",
            "I want my money back for order {x}.",
            "When will the refund for order {x} reach my card?",
            "Please refund order {x}, the product doesn't work.",
        ),
        (
            "I want to cancel my subscription.",
            "Please close my account, I'm leaving.",
            "How do I cancel my contract? I found a better offer.",
            "Cancel my service at the end of this month.",
        ),
        (
            "I'd like to upgrade to the {x} plan.",
            "What does the {x} plan cost and can I switch today?",
            "I want more data, can I move to {x}?",
            "Please upgrade my account to {x}.",
        ),
        (
            "My internet keeps dropping every evening.",
            "The app crashes every time I open it.",
            "My router shows a red light and nothing works.",
            "The service has been down since yesterday.",
        ),
        (
            "I moved and need to update my address.",
            "Please change the delivery address on my account.",
            "My address is wrong on the invoices.",
            "How do I change my billing address?",
        ),
        (
            "My payment of {x} was declined but my card is fine.",
            "The automatic payment of {x} failed.",
            "I tried to pay {x} three times and it keeps failing.",
            "Why did my direct debit of {x} bounce?",
        ),
        (
            "I'd like to open a new account.",
            "How do I sign up for your service?",
            "I want to become a customer, what do I need?",
            "Can you help me create an account for my business?",
        ),
        (
            "I want to make a formal complaint.",
            "Your service has been terrible and I want to complain.",
            "I am extremely unhappy with how I have been treated.",
            "Nobody ever answers, I want to file a complaint.",
        ),
    ),
    "es": (
        (
            "Me han cobrado {x} dos veces en la última factura.",
            "Hay un cargo de {x} en mi factura que no reconozco.",
            "Mi factura está mal, me cobraron {x} por algo que nunca pedí.",
            "Quiero reclamar un cargo de {x}.",
        ),
        (
            "No puedo entrar, necesito restablecer mi contraseña.",
            "Nunca me llega el enlace para cambiar la contraseña.",
            "Mi cuenta está bloqueada después de varios intentos.",
            "¿Cómo cambio mi contraseña? La antigua no funciona.",
        ),
        (
            "¿Dónde está mi pedido {x}?",
            "¿Me puede decir cuándo llega el pedido {x}?",
            "Hice el pedido hace una semana y el pedido {x} sigue en proceso.",
            "Necesito saber el estado del pedido {x}.",
        ),
        (
            "El paquete del pedido {x} llegó dañado.",
            "El repartidor dice que entregó el pedido {x} pero no lo recibí.",
            "El pedido {x} vino con un artículo equivocado.",
            "Falta la mitad del pedido {x}.",
        ),
        (
            "Devolví el pedido {x} hace dos semanas y no me han devuelto el dinero.",
            "Quiero que me devuelvan el dinero del pedido {x}.",
            "¿Cuándo llegará el reembolso del pedido {x} a mi tarjeta?",
            "Por favor, reembolsen el pedido {x}, el producto no funciona.",
        ),
        (
            "Quiero darme de baja.",
            "Por favor, cierren mi cuenta, me voy.",
            "¿Cómo cancelo mi contrato? He encontrado una oferta mejor.",
            "Quiero cancelar el servicio a final de mes.",
        ),
        (
            "Me gustaría pasarme al plan {x}.",
            "¿Cuánto cuesta el plan {x} y puedo cambiar hoy?",
            "Necesito más datos, ¿puedo pasar a {x}?",
            "Por favor, suban mi cuenta al plan {x}.",
        ),
        (
            "Se me corta internet todas las noches.",
            "La aplicación se cierra cada vez que la abro.",
            "El router tiene una luz roja y no funciona nada.",
            "El servicio no funciona desde ayer.",
        ),
        (
            "Me he mudado y tengo que cambiar la dirección.",
            "Por favor, cambien la dirección de entrega de mi cuenta.",
            "La dirección de las facturas está mal.",
            "¿Cómo cambio la dirección de facturación?",
        ),
        (
            "Me rechazaron el pago de {x} pero mi tarjeta está bien.",
            "Ha fallado el pago automático de {x}.",
            "He intentado pagar {x} tres veces y sigue fallando.",
            "¿Por qué me devolvieron el recibo de {x}?",
        ),
        (
            "Quiero abrir una cuenta nueva.",
            "¿Cómo me doy de alta en su servicio?",
            "Quiero hacerme cliente, ¿qué necesito?",
            "¿Me ayudan a crear una cuenta para mi empresa?",
        ),
        (
            "Quiero poner una reclamación formal.",
            "El servicio ha sido pésimo y quiero quejarme.",
            "Estoy muy descontento con el trato recibido.",
            "Nunca contesta nadie, quiero poner una queja.",
        ),
    ),
    "de": (
        (
            "Mir wurden {x} doppelt auf der letzten Rechnung berechnet.",
            "Auf meiner Rechnung ist eine Abbuchung von {x}, die ich nicht kenne.",
            "Meine Rechnung ist falsch, Sie haben mir {x} für etwas berechnet, das ich nie bestellt habe.",
            "Ich möchte eine Abbuchung von {x} reklamieren.",
        ),
        (
            "Ich komme nicht rein, ich muss mein Passwort zurücksetzen.",
            "Der Link zum Zurücksetzen des Passworts kommt nie an.",
            "Mein Konto ist nach zu vielen Versuchen gesperrt.",
            "Wie ändere ich mein Passwort? Das alte funktioniert nicht.",
        ),
        (
            "Wo ist meine Bestellung {x}?",
            "Können Sie mir sagen, wann die Bestellung {x} ankommt?",
            "Ich habe vor einer Woche bestellt und die Bestellung {x} ist immer noch in Bearbeitung.",
            "Ich brauche den Status der Bestellung {x}.",
        ),
        (
            "Das Paket der Bestellung {x} kam beschädigt an.",
            "Laut Kurier wurde die Bestellung {x} zugestellt, aber ich habe nichts bekommen.",
            "In der Bestellung {x} war der falsche Artikel.",
            "Die Hälfte der Bestellung {x} fehlt.",
        ),
        (
            "Ich habe die Bestellung {x} vor zwei Wochen zurückgeschickt und noch kein Geld bekommen.",
            "Ich möchte mein Geld für die Bestellung {x} zurück.",
            "Wann kommt die Erstattung für die Bestellung {x} auf meiner Karte an?",
            "Bitte erstatten Sie die Bestellung {x}, das Produkt funktioniert nicht.",
        ),
        (
            "Ich möchte meinen Vertrag kündigen.",
            "Bitte schließen Sie mein Konto, ich wechsle.",
            "Wie kündige ich? Ich habe ein besseres Angebot gefunden.",
            "Kündigen Sie bitte meinen Dienst zum Monatsende.",
        ),
        (
            "Ich möchte auf den Tarif {x} wechseln.",
            "Was kostet der Tarif {x} und kann ich heute wechseln?",
            "Ich brauche mehr Datenvolumen, kann ich zu {x} wechseln?",
            "Bitte stellen Sie mein Konto auf {x} um.",
        ),
        (
            "Mein Internet bricht jeden Abend ab.",
            "Die App stürzt bei jedem Öffnen ab.",
            "Mein Router leuchtet rot und nichts geht.",
            "Der Dienst funktioniert seit gestern nicht.",
        ),
        (
            "Ich bin umgezogen und muss meine Adresse ändern.",
            "Bitte ändern Sie die Lieferadresse in meinem Konto.",
            "Meine Adresse auf den Rechnungen ist falsch.",
            "Wie ändere ich meine Rechnungsadresse?",
        ),
        (
            "Meine Zahlung über {x} wurde abgelehnt, obwohl meine Karte in Ordnung ist.",
            "Die automatische Zahlung über {x} ist fehlgeschlagen.",
            "Ich habe dreimal versucht, {x} zu bezahlen, und es klappt nicht.",
            "Warum ist meine Lastschrift über {x} geplatzt?",
        ),
        (
            "Ich möchte ein neues Konto eröffnen.",
            "Wie melde ich mich bei Ihnen an?",
            "Ich möchte Kunde werden, was brauche ich dafür?",
            "Können Sie mir helfen, ein Geschäftskonto anzulegen?",
        ),
        (
            "Ich möchte mich offiziell beschweren.",
            "Ihr Service ist furchtbar und ich möchte mich beschweren.",
            "Ich bin äußerst unzufrieden mit der Behandlung.",
            "Nie geht jemand ran, ich will eine Beschwerde einreichen.",
        ),
    ),
}

SEARCH: dict[str, tuple[tuple[str, ...], ...]] = {
    "en": (
        ("double charge", "dispute bill", "wrong invoice amount"),
        ("reset password", "forgot password", "account locked"),
        ("track order", "where is my order", "order status"),
        ("parcel damaged", "package not delivered", "wrong item received"),
        ("refund status", "return and refund", "money back"),
        ("cancel subscription", "close account", "cancel contract"),
        ("upgrade plan", "plans and prices", "change plan"),
        ("internet not working", "app crashes", "router red light"),
        ("change address", "update delivery address", "billing address"),
        ("payment declined", "card payment failed", "direct debit failed"),
        ("open account", "sign up", "business account"),
        ("complaint", "contact customer service", "make a complaint"),
    ),
    "es": (
        ("cobro duplicado", "reclamar factura", "importe incorrecto factura"),
        ("restablecer contraseña", "olvidé mi contraseña", "cuenta bloqueada"),
        ("seguir pedido", "dónde está mi pedido", "estado del pedido"),
        ("paquete dañado", "pedido no entregado", "artículo equivocado"),
        ("estado reembolso", "devolución y reembolso", "devolver dinero"),
        ("cancelar suscripción", "darse de baja", "cancelar contrato"),
        ("cambiar de plan", "planes y precios", "mejorar plan"),
        ("internet no funciona", "la app se cierra", "router luz roja"),
        ("cambiar dirección", "dirección de entrega", "dirección de facturación"),
        ("pago rechazado", "fallo pago tarjeta", "recibo devuelto"),
        ("abrir cuenta", "darse de alta", "cuenta empresa"),
        ("reclamación", "contactar atención al cliente", "poner una queja"),
    ),
    "de": (
        ("doppelte Abbuchung", "Rechnung reklamieren", "falscher Rechnungsbetrag"),
        ("Passwort zurücksetzen", "Passwort vergessen", "Konto gesperrt"),
        ("Sendung verfolgen", "wo ist meine Bestellung", "Bestellstatus"),
        ("Paket beschädigt", "Paket nicht angekommen", "falscher Artikel"),
        ("Erstattung Status", "Rücksendung Erstattung", "Geld zurück"),
        ("Abo kündigen", "Konto schließen", "Vertrag kündigen"),
        ("Tarif wechseln", "Tarife und Preise", "Upgrade"),
        ("Internet geht nicht", "App stürzt ab", "Router rot"),
        ("Adresse ändern", "Lieferadresse ändern", "Rechnungsadresse"),
        ("Zahlung abgelehnt", "Kartenzahlung fehlgeschlagen", "Lastschrift geplatzt"),
        ("Konto eröffnen", "registrieren", "Geschäftskonto"),
        ("Beschwerde", "Kundenservice kontaktieren", "Beschwerde einreichen"),
    ),
}

IVR: dict[str, tuple[tuple[str, ...], ...]] = {
    "en": (
        ("billing", "a problem with my bill"),
        ("password", "I can't log in"),
        ("order status", "where is my order"),
        ("delivery", "my parcel"),
        ("refund", "I want a refund"),
        ("cancel", "cancel my account"),
        ("upgrade", "change my plan"),
        ("technical problem", "my internet is down"),
        ("change address", "I moved"),
        ("payment", "my payment failed"),
        ("new account", "sign up"),
        ("complaint", "agent"),
    ),
    "es": (
        ("factura", "un problema con mi factura"),
        ("contraseña", "no puedo entrar"),
        ("estado del pedido", "dónde está mi pedido"),
        ("entrega", "mi paquete"),
        ("reembolso", "quiero un reembolso"),
        ("baja", "cancelar mi cuenta"),
        ("cambiar de plan", "mejorar mi plan"),
        ("avería", "no tengo internet"),
        ("cambio de dirección", "me he mudado"),
        ("pago", "falló mi pago"),
        ("alta nueva", "hacerme cliente"),
        ("reclamación", "operador"),
    ),
    "de": (
        ("Rechnung", "Problem mit meiner Rechnung"),
        ("Passwort", "ich komme nicht rein"),
        ("Bestellstatus", "wo ist meine Bestellung"),
        ("Lieferung", "mein Paket"),
        ("Erstattung", "ich will mein Geld zurück"),
        ("Kündigung", "Vertrag kündigen"),
        ("Tarifwechsel", "anderer Tarif"),
        ("Störung", "mein Internet geht nicht"),
        ("Adressänderung", "ich bin umgezogen"),
        ("Zahlung", "Zahlung fehlgeschlagen"),
        ("Neukunde", "anmelden"),
        ("Beschwerde", "Mitarbeiter"),
    ),
}

# opener by sentiment: negative, neutral, positive
OPENERS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        (
            "This is ridiculous.",
            "I'm really annoyed.",
            "Honestly, this is unacceptable.",
            "I'm fed up.",
            "Terrible service, again.",
        ),
        ("Hi.", "Hello.", "Good afternoon."),
        ("Hi there, hope you're well!", "Good morning :)", "Hello, thanks for your help!"),
    ),
    "es": (
        (
            "Esto es ridículo.",
            "Estoy muy molesto.",
            "Sinceramente, esto es inaceptable.",
            "Estoy harto.",
            "Pésimo servicio, otra vez.",
        ),
        ("Hola.", "Buenas tardes.", "Buenos días."),
        ("¡Hola, muy buenas!", "Buenos días :)", "Hola, ¡gracias por la ayuda!"),
    ),
    "de": (
        (
            "Das ist eine Frechheit!",
            "Ich bin wirklich verärgert.",
            "Ehrlich gesagt ist das inakzeptabel.",
            "Ich habe die Nase voll.",
            "Schon wieder ein miserabler Service.",
        ),
        ("Hallo.", "Guten Tag.", "Grüß Gott."),
        (
            "Hallo, ich hoffe, es geht Ihnen gut!",
            "Guten Morgen :)",
            "Hallo, danke schon mal für Ihre Hilfe!",
        ),
    ),
}

# effort phrases: repeat contact (2nd, 3rd, 4th+ time), already told, asking for a human
REPEAT_CONTACT: dict[str, tuple[str, str, str]] = {
    "en": (
        "This is the second time I'm contacting you about this.",
        "This is the third time I call about this.",
        "This is the fourth time I've had to reach out about the same thing.",
    ),
    "es": (
        "Es la segunda vez que contacto con ustedes por esto.",
        "Es la tercera vez que llamo por lo mismo.",
        "Ya es la cuarta vez que tengo que escribirles por lo mismo.",
    ),
    "de": (
        "Ich melde mich jetzt schon zum zweiten Mal deswegen.",
        "Ich habe schon dreimal angerufen.",
        "Ich melde mich bereits zum vierten Mal wegen derselben Sache.",
    ),
}
ALREADY_TOLD: dict[str, tuple[str, ...]] = {
    "en": (
        "I already told you.",
        "I already gave all my details to your colleague.",
        "Why do I have to repeat everything?",
        "I already entered my account number.",
        "As I said before, I already explained this to the bot.",
    ),
    "es": (
        "Ya se lo dije.",
        "Ya le di todos mis datos a su compañero.",
        "¿Por qué tengo que repetirlo todo?",
        "Ya marqué mi número de cuenta.",
        "Como ya le expliqué al asistente virtual.",
    ),
    "de": (
        "Das habe ich doch schon gesagt.",
        "Ich habe Ihrem Kollegen schon alle Daten gegeben.",
        "Warum muss ich alles wiederholen?",
        "Ich habe meine Kundennummer schon eingegeben.",
        "Das habe ich dem Chatbot doch schon erklärt.",
    ),
}
ASK_HUMAN: dict[str, tuple[str, ...]] = {
    "en": (
        "I want to talk to a human.",
        "Agent please.",
        "Can I speak to a real person?",
        "This bot is useless, get me an agent.",
    ),
    "es": (
        "Quiero hablar con una persona.",
        "Con un agente, por favor.",
        "¿Puedo hablar con alguien de verdad?",
        "Este bot no sirve, páseme con un agente.",
    ),
    "de": (
        "Ich möchte mit einem Menschen sprechen.",
        "Mitarbeiter bitte.",
        "Kann ich mit einer echten Person reden?",
        "Der Bot bringt nichts, verbinden Sie mich mit einem Mitarbeiter.",
    ),
}

DETAILS: dict[str, tuple[str, ...]] = {
    "en": (
        "It started last week.",
        "I checked everything on my side.",
        "I need this sorted today.",
        "It's been going on for days.",
    ),
    "es": (
        "Empezó la semana pasada.",
        "Ya lo he comprobado todo por mi parte.",
        "Necesito que se solucione hoy.",
        "Lleva así varios días.",
    ),
    "de": (
        "Das fing letzte Woche an.",
        "Ich habe auf meiner Seite alles geprüft.",
        "Das muss heute noch geklärt werden.",
        "Das geht schon seit Tagen so.",
    ),
}

# personal data a customer gives away; {x} is the value
PII_PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    # email, phone, card
    "en": (
        ("My email is {x}.", "You can write to me at {x}."),
        ("My number is {x}.", "Call me back on {x}."),
        ("I paid with card {x}.", "My card number is {x}."),
    ),
    "es": (
        ("Mi correo es {x}.", "Pueden escribirme a {x}."),
        ("Mi número es {x}.", "Llámenme al {x}."),
        ("Pagué con la tarjeta {x}.", "El número de mi tarjeta es {x}."),
    ),
    "de": (
        ("Meine E-Mail ist {x}.", "Sie erreichen mich unter {x}."),
        ("Meine Nummer ist {x}.", "Rufen Sie mich bitte unter {x} zurück."),
        ("Ich habe mit der Karte {x} bezahlt.", "Meine Kartennummer ist {x}."),
    ),
}

CLOSINGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # unresolved / resolved
    "en": (
        (
            "So nothing is fixed. Unbelievable.",
            "That doesn't help me at all.",
            "I'll have to call again then, great.",
            "Fine. I'm not happy.",
        ),
        (
            "Thanks, that solves it.",
            "Great, thank you so much!",
            "Perfect, that's all I needed.",
            "Thanks for your help.",
        ),
    ),
    "es": (
        (
            "O sea que no está arreglado. Increíble.",
            "Eso no me ayuda en nada.",
            "Pues tendré que volver a llamar, genial.",
            "Vale. No estoy contento.",
        ),
        (
            "Gracias, con eso está resuelto.",
            "¡Genial, muchas gracias!",
            "Perfecto, era justo lo que necesitaba.",
            "Gracias por su ayuda.",
        ),
    ),
    "de": (
        (
            "Also ist nichts behoben. Unglaublich.",
            "Das hilft mir überhaupt nicht.",
            "Dann muss ich wohl wieder anrufen, toll.",
            "Na gut. Zufrieden bin ich nicht.",
        ),
        (
            "Danke, damit ist es gelöst.",
            "Super, vielen Dank!",
            "Perfekt, das war alles.",
            "Danke für Ihre Hilfe.",
        ),
    ),
}

BOT_REPLIES: dict[str, tuple[str, ...]] = {
    "en": (
        "I can help with that. Could you give me a few more details?",
        "Here is an article that might help.",
        "Let me check that for you.",
        "Sorry, I didn't quite get that. Could you rephrase?",
    ),
    "es": (
        "Puedo ayudarte con eso. ¿Me das algunos detalles más?",
        "Aquí tienes un artículo que puede ayudarte.",
        "Déjame comprobarlo.",
        "Perdona, no te he entendido. ¿Puedes decirlo de otra forma?",
    ),
    "de": (
        "Dabei kann ich helfen. Können Sie mir ein paar Details nennen?",
        "Hier ist ein Artikel, der helfen könnte.",
        "Ich schaue das für Sie nach.",
        "Entschuldigung, das habe ich nicht verstanden. Können Sie es anders formulieren?",
    ),
}
AGENT_GREETS: dict[str, tuple[str, ...]] = {
    "en": (
        "Hello, thanks for waiting. How can I help?",
        "Hi, you're through to customer care.",
        "Good day, my name is Sam. What can I do for you?",
    ),
    "es": (
        "Hola, gracias por esperar. ¿En qué puedo ayudarle?",
        "Buenas, le atiende el servicio de atención al cliente.",
        "Buenos días, soy Laura. ¿Qué puedo hacer por usted?",
    ),
    "de": (
        "Hallo, danke fürs Warten. Wie kann ich helfen?",
        "Guten Tag, Kundenservice hier.",
        "Guten Tag, mein Name ist Jonas. Was kann ich für Sie tun?",
    ),
}
AGENT_ASKS: dict[str, tuple[str, ...]] = {
    "en": (
        "Could you tell me a bit more about the problem?",
        "When did this start?",
        "Can you confirm the details for me?",
    ),
    "es": (
        "¿Me puede contar un poco más sobre el problema?",
        "¿Desde cuándo ocurre?",
        "¿Me confirma los datos, por favor?",
    ),
    "de": (
        "Können Sie mir etwas mehr über das Problem sagen?",
        "Seit wann ist das so?",
        "Können Sie mir die Angaben bestätigen?",
    ),
}
AGENT_RESOLVES: dict[str, tuple[str, ...]] = {
    "en": (
        "I've fixed that for you now.",
        "That's sorted, you'll see the change within 24 hours.",
        "Done, I've applied the change to your account.",
        "All resolved, is there anything else?",
    ),
    "es": (
        "Ya lo he solucionado.",
        "Listo, verá el cambio en 24 horas.",
        "Hecho, he aplicado el cambio en su cuenta.",
        "Todo resuelto, ¿algo más?",
    ),
    "de": (
        "Ich habe das jetzt für Sie behoben.",
        "Erledigt, Sie sehen die Änderung innerhalb von 24 Stunden.",
        "Fertig, ich habe die Änderung in Ihrem Konto vorgenommen.",
        "Alles gelöst, kann ich sonst noch helfen?",
    ),
}
AGENT_PENDING: dict[str, tuple[str, ...]] = {
    "en": (
        "I've escalated this to the specialist team.",
        "We need to investigate, we'll get back to you in 3 to 5 days.",
        "I can't do that from here, please call back tomorrow.",
        "I've opened a ticket for you.",
    ),
    "es": (
        "Lo he escalado al equipo especializado.",
        "Tenemos que investigarlo, le responderemos en 3 a 5 días.",
        "No puedo hacerlo desde aquí, por favor llame mañana.",
        "Le he abierto una incidencia.",
    ),
    "de": (
        "Ich habe das an das Fachteam weitergeleitet.",
        "Wir müssen das prüfen und melden uns in 3 bis 5 Tagen.",
        "Das kann ich von hier aus nicht machen, bitte rufen Sie morgen wieder an.",
        "Ich habe ein Ticket für Sie eröffnet.",
    ),
}
EMAIL_FOLLOWUPS: dict[str, tuple[str, ...]] = {
    "en": (
        "Following up on our conversation today: here is a summary of what we agreed.",
        "Thank you for contacting us. Your case has been updated.",
    ),
    "es": (
        "En relación con nuestra conversación de hoy, le enviamos un resumen de lo acordado.",
        "Gracias por contactarnos. Su caso ha sido actualizado.",
    ),
    "de": (
        "Im Nachgang zu unserem heutigen Gespräch erhalten Sie eine Zusammenfassung.",
        "Vielen Dank für Ihre Anfrage. Ihr Fall wurde aktualisiert.",
    ),
}

# survey verbatims by score band (low, middle, high), and mentions of planted drivers
VERBATIMS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        ("Awful experience.", "Very disappointed.", "Worst customer service ever."),
        ("It was okay.", "Average, could be faster.", "Fine in the end."),
        (
            "Quick and friendly, problem solved.",
            "Excellent service, thank you!",
            "Very helpful agent.",
        ),
    ),
    "es": (
        ("Experiencia horrible.", "Muy decepcionado.", "El peor servicio que he tenido."),
        ("Estuvo bien.", "Normal, podría ser más rápido.", "Al final bien."),
        (
            "Rápido y amable, problema resuelto.",
            "¡Excelente servicio, gracias!",
            "El agente fue muy atento.",
        ),
    ),
    "de": (
        ("Furchtbare Erfahrung.", "Sehr enttäuscht.", "Der schlechteste Kundenservice überhaupt."),
        ("War in Ordnung.", "Mittelmäßig, könnte schneller gehen.", "Am Ende okay."),
        (
            "Schnell und freundlich, Problem gelöst.",
            "Ausgezeichneter Service, danke!",
            "Sehr hilfsbereiter Mitarbeiter.",
        ),
    ),
}
VERBATIM_DRIVERS: dict[str, tuple[str, str, str]] = {
    # several contacts, asked to identify again, long wait
    "en": (
        "I had to contact you several times.",
        "They kept asking for my details again.",
        "I waited ages in the queue.",
    ),
    "es": (
        "Tuve que contactar varias veces.",
        "Me pedían mis datos una y otra vez.",
        "Esperé muchísimo en la cola.",
    ),
    "de": (
        "Ich musste mich mehrmals melden.",
        "Ich musste mich immer wieder neu ausweisen.",
        "Ich habe ewig in der Warteschleife gehangen.",
    ),
}
