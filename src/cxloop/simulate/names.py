"""Name, street and city lists for the simulated population, by country and language."""

from __future__ import annotations

FIRST_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # language: (female, male)
    "en": (
        ("Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica",
         "Sarah", "Karen", "Margaret", "Emily", "Olivia", "Sophie", "Charlotte", "Amelia",
         "Hannah", "Rebecca", "Katherine", "Victoria", "Abigail", "Samantha", "Deborah",
         "Christine", "Alexandra", "Jacqueline", "Ann", "Grace", "Lucy", "Megan"),
        ("James", "Robert", "John", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
         "Charles", "Christopher", "Daniel", "Matthew", "Anthony", "Edward", "Andrew", "Joshua",
         "Benjamin", "Samuel", "Nicholas", "Jonathan", "Timothy", "Alexander", "Oliver",
         "Harry", "George", "Jack", "Peter", "Steven", "Kevin"),
    ),
    "es": (
        ("María", "Carmen", "Ana", "Isabel", "Lucía", "Laura", "Cristina", "Marta", "Elena",
         "Pilar", "Dolores", "Rosario", "Francisca", "Concepción", "Beatriz", "Raquel", "Sofía",
         "Paula", "Alba", "Guadalupe", "Teresa", "Mercedes", "Inés", "Natalia", "Silvia",
         "Verónica", "Gabriela", "Patricia", "Adriana", "Valeria"),
        ("José", "Antonio", "Manuel", "Francisco", "Juan", "David", "Javier", "Daniel", "Carlos",
         "Jesús", "Alejandro", "Miguel", "Rafael", "Pablo", "Sergio", "Fernando", "Jorge",
         "Luis", "Alberto", "Álvaro", "Ignacio", "Enrique", "Ramón", "Eduardo", "Guillermo",
         "Santiago", "Andrés", "Ricardo", "Roberto", "Héctor"),
    ),
    "de": (
        ("Ursula", "Monika", "Petra", "Sabine", "Andrea", "Claudia", "Susanne", "Stefanie",
         "Julia", "Katharina", "Anna", "Lena", "Laura", "Jessica", "Sandra", "Nicole",
         "Christina", "Melanie", "Birgit", "Gabriele", "Elisabeth", "Franziska", "Johanna",
         "Margarete", "Jana", "Lea", "Miriam", "Heike", "Karin", "Jutta"),
        ("Peter", "Michael", "Thomas", "Andreas", "Wolfgang", "Klaus", "Jürgen", "Stefan",
         "Christian", "Markus", "Johannes", "Alexander", "Tobias", "Matthias", "Sebastian",
         "Florian", "Maximilian", "Lukas", "Jonas", "Felix", "Friedrich", "Günter", "Helmut",
         "Uwe", "Dieter", "Bernd", "Frank", "Ralf", "Jörg", "Moritz"),
    ),
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "US": ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
           "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White",
           "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
           "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell",
           "Roberts", "Carter", "Phillips", "Evans", "Turner", "Garcia", "Rodriguez"),
    "GB": ("Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson",
           "Thomas", "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White",
           "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel",
           "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore",
           "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen"),
    "ES": ("García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez",
           "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno",
           "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres",
           "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano", "Blanco", "Molina",
           "Morales", "Suárez", "Ortega", "Delgado", "Castro", "Ortiz", "Rubio", "Marín",
           "Sanz", "Iglesias"),
    "DE": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
           "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
           "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
           "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier", "Lehmann",
           "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer",
           "Huber"),
    "MX": ("Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez",
           "Sánchez", "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes",
           "Jiménez", "Torres", "Díaz", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz",
           "Moreno", "Castillo", "Romero", "Álvarez", "Méndez", "Chávez", "Rivera", "Juárez",
           "Ramos", "Domínguez", "Herrera", "Medina", "Castro", "Vargas", "Guzmán", "Velázquez",
           "Rojas"),
}

NICKNAMES: dict[str, str] = {
    "Elizabeth": "Liz", "Patricia": "Patty", "Jennifer": "Jen", "Margaret": "Maggie",
    "Katherine": "Kate", "Victoria": "Vicky", "Abigail": "Abby", "Samantha": "Sam",
    "Deborah": "Debbie", "Christine": "Chris", "Alexandra": "Alex", "Jacqueline": "Jackie",
    "Rebecca": "Becky", "Robert": "Bob", "William": "Bill", "Richard": "Rick", "Joseph": "Joe",
    "Thomas": "Tom", "Charles": "Charlie", "Christopher": "Chris", "Daniel": "Dan",
    "Matthew": "Matt", "Anthony": "Tony", "Edward": "Ed", "Andrew": "Andy", "Joshua": "Josh",
    "Benjamin": "Ben", "Samuel": "Sam", "Nicholas": "Nick", "Jonathan": "Jon",
    "Timothy": "Tim", "Alexander": "Alex", "Michael": "Mike", "James": "Jim", "David": "Dave",
    "Steven": "Steve", "Francisco": "Paco", "José": "Pepe", "Francisca": "Paqui",
    "Dolores": "Lola", "Concepción": "Concha", "Guadalupe": "Lupe", "Rosario": "Charo",
    "Ignacio": "Nacho", "Enrique": "Quique", "Manuel": "Manolo", "Alejandro": "Álex",
    "Guillermo": "Memo", "Eduardo": "Lalo", "Johannes": "Hans", "Katharina": "Kathi",
    "Elisabeth": "Lisa", "Franziska": "Franzi", "Margarete": "Grete", "Maximilian": "Max",
    "Friedrich": "Fritz", "Matthias": "Matze", "Sebastian": "Basti", "Christina": "Tina",
    "Gabriele": "Gabi", "Wolfgang": "Wolf", "Stefanie": "Steffi",
}

STREETS: dict[str, tuple[str, ...]] = {
    "US": ("Market Street", "Main Street", "Oak Avenue", "Maple Drive", "Pine Street",
           "Cedar Lane", "Washington Avenue", "Lake Road", "Sunset Boulevard", "Elm Street",
           "Park Avenue", "Highland Drive"),
    "GB": ("High Street", "Station Road", "Church Lane", "Victoria Road", "Green Lane",
           "Manor Road", "Kings Road", "Queens Road", "Mill Lane", "Park Road", "London Road",
           "The Crescent"),
    "ES": ("Calle Mayor", "Calle Real", "Avenida de la Constitución", "Calle del Sol",
           "Paseo de Gracia", "Calle Alcalá", "Gran Vía", "Calle San Juan", "Plaza España",
           "Calle de la Paz", "Avenida Andalucía", "Calle Serrano"),
    "DE": ("Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße",
           "Bergstraße", "Birkenweg", "Lindenstraße", "Kirchstraße", "Waldstraße",
           "Ringstraße", "Goethestraße"),
    "MX": ("Avenida Reforma", "Calle Juárez", "Avenida Insurgentes", "Calle Hidalgo",
           "Calle Morelos", "Avenida Revolución", "Calle Madero", "Calle Zaragoza",
           "Avenida Chapultepec", "Calle Allende", "Calle Guerrero", "Avenida Universidad"),
}

STREET_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("Street", "St."), ("Avenue", "Ave"), ("Road", "Rd"), ("Drive", "Dr."), ("Lane", "Ln"),
    ("Boulevard", "Blvd"), ("Calle ", "C/ "), ("Avenida ", "Av. "), ("straße", "str."),
    ("Paseo ", "Pº "),
)

# (city, postcode prefix); the postcode is completed by random digits (letters for GB)
CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "US": (("San Francisco", "941"), ("New York", "100"), ("Chicago", "606"),
           ("Austin", "787"), ("Seattle", "981"), ("Boston", "021"), ("Denver", "802"),
           ("Atlanta", "303"), ("Miami", "331"), ("Los Angeles", "900")),
    "GB": (("London", "SW1"), ("Manchester", "M1"), ("Birmingham", "B2"), ("Leeds", "LS1"),
           ("Glasgow", "G1"), ("Bristol", "BS1"), ("Liverpool", "L1"), ("Edinburgh", "EH1"),
           ("Cardiff", "CF1"), ("Oxford", "OX1")),
    "ES": (("Madrid", "280"), ("Barcelona", "080"), ("Valencia", "460"), ("Sevilla", "410"),
           ("Zaragoza", "500"), ("Málaga", "290"), ("Bilbao", "480"), ("Murcia", "300"),
           ("Alicante", "030"), ("Granada", "180")),
    "DE": (("Berlin", "101"), ("München", "803"), ("Hamburg", "203"), ("Köln", "506"),
           ("Frankfurt am Main", "603"), ("Stuttgart", "701"), ("Düsseldorf", "402"),
           ("Leipzig", "041"), ("Dresden", "010"), ("Nürnberg", "904")),
    "MX": (("Ciudad de México", "060"), ("Guadalajara", "441"), ("Monterrey", "640"),
           ("Puebla", "720"), ("Querétaro", "760"), ("Mérida", "970"), ("Tijuana", "220"),
           ("León", "370"), ("Toluca", "500"), ("Cancún", "775")),
}

EMAIL_DOMAINS: dict[str, tuple[str, ...]] = {
    "US": ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com", "comcast.net"),
    "GB": ("gmail.com", "hotmail.co.uk", "btinternet.com", "outlook.com", "yahoo.co.uk"),
    "ES": ("gmail.com", "hotmail.es", "yahoo.es", "telefonica.net", "outlook.es"),
    "DE": ("gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.de"),
    "MX": ("gmail.com", "hotmail.com", "yahoo.com.mx", "outlook.com", "prodigy.net.mx"),
}

US_AREA_CODES: tuple[str, ...] = (
    "415", "212", "312", "617", "206", "512", "303", "404", "305", "213", "646", "718", "510",
    "408", "650", "202", "214", "713", "602", "503", "702", "615", "919", "704", "313",
)
MX_AREA_CODES: tuple[str, ...] = ("55", "33", "81")


def ascii_fold(text: str) -> str:
    """Lower-case ASCII form of a name for email addresses (``José`` → ``jose``)."""
    table = str.maketrans({"á": "a", "é": "e", "í": "i", "ó": "o", "ú": "u", "ü": "u", "ñ": "n",
                           "ç": "c", "à": "a", "è": "e", "ä": "a", "ö": "o", "ß": "ss"})
    folded = text.lower().translate(table)
    return "".join(ch for ch in folded if ch.isalnum())
