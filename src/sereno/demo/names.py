"""Word lists for Ciudad Demo: neighbourhood names, people's names, nicknames, media.

Every name is invented or a common Spanish word; none refers to a real person. The lists are
long enough that 150 colonias get distinct names and victims' names collide only as often as
common Central American names do.
"""

from __future__ import annotations

COLONIA_PREFIXES = (
    "Colonia", "Barrio", "Residencial", "Aldea", "Lotificación", "Fraccionamiento",
)  # fmt: skip

# Bases are distinct even without accents and case, so every colonia name is unambiguous.
COLONIA_BASES = (
    "El Álamo", "San José", "Las Brisas", "Los Pinos", "El Naranjal", "Las Palmas",
    "Los Laureles", "La Ceiba", "El Roble", "Las Acacias", "Los Almendros", "El Carmen",
    "La Esperanza", "Villa Nueva", "Las Colinas", "El Mirador", "Los Robles", "La Primavera",
    "El Sauce", "Las Flores", "Los Girasoles", "El Prado", "La Pradera", "Buenos Aires",
    "Monte Verde", "La Cumbre", "El Llano", "Río Blanco", "Las Lomas", "La Joya",
    "El Porvenir", "Nueva Esperanza", "La Libertad", "El Progreso", "Los Ángeles",
    "Villa Olímpica", "Las Américas", "Guadalupe", "Miraflores", "San Miguel", "Santa Fe",
    "San Antonio", "Santa Lucía", "San Juan", "Santa Marta", "San Rafael", "Santa Teresa",
    "San Francisco", "San Martín", "Santa Rosa", "San Isidro", "San Ángel", "Santa Bárbara",
    "San Cristóbal", "Santa Clara", "San Pedro", "Santa Ana", "San Pablo", "Santa Mónica",
    "San Bernardo", "Santa Elena", "San Vicente", "Santa Inés", "San Jerónimo", "San Lorenzo",
    "San Sebastián", "Santa Isabel", "San Felipe", "Santa Cecilia", "San Ignacio",
    "La Trinidad", "El Calvario", "La Merced", "El Rosario", "La Asunción", "Concepción",
    "Belén", "Nazareth", "Jerusalén", "Los Jardines", "Jardines del Valle", "Valle Verde",
    "Valle del Sol", "Altos del Trapiche", "El Trapiche", "La Hacienda", "El Cortijo",
    "La Granja", "El Molino", "La Quinta", "Los Olivos", "Los Cedros", "Los Pinares",
    "El Encinal", "Las Magnolias", "Los Jazmines", "Las Orquídeas", "Los Tulipanes",
    "Las Gardenias", "Las Camelias", "Los Lirios", "Las Azucenas", "El Bosque",
    "Bosques de Jucutuma", "Loma Linda", "Lomas del Guijarro", "Cerro Grande", "El Picacho",
    "La Montañita", "El Manantial", "Agua Dulce", "Ojo de Agua", "El Chorro", "La Cascada",
    "Las Vegas", "El Paraíso", "La Florida", "Bella Vista", "Vista Hermosa", "Buena Vista",
    "El Edén", "Villa Real", "Villa del Mar", "Villa Linda", "Villa Franca", "La Fuente",
    "Las Torres", "El Centro", "La Estación", "El Mercado", "La Aduana", "El Puerto",
    "La Ribera", "El Estero", "La Laguna", "El Zapotal", "El Guayabal", "El Mangal",
    "Los Tamarindos", "El Jicaral", "El Cacao", "La Caña", "El Cafetal", "Los Llanos",
    "La Sabana", "El Ocotal", "Los Cipreses", "La Alameda", "El Sitio", "La Providencia",
    "El Refugio", "La Victoria", "La Paz", "La Unión", "La Independencia", "Veinte de Enero",
    "Quince de Septiembre", "Primero de Mayo", "Tres de Mayo", "Nueva Suyapa", "Suyapa",
    "Nueva Capital", "Ciudad Jardín", "Las Uvas", "El Tablón", "Los Cerritos", "La Travesía",
    "El Carrizal", "Los Profesores", "Los Maestros", "Las Mercedes", "El Pedregal",
    "Las Minitas", "El Hato", "La Vega", "El Bambú", "Tierra Blanca",
)  # fmt: skip

MALE_GIVEN = (
    "José", "Juan", "Carlos", "Luis", "Jorge", "Mario", "Óscar", "Kevin", "Brayan", "Elvin",
    "Marvin", "Wilmer", "Edwin", "Nelson", "Héctor", "Miguel", "Ángel", "Francisco", "Pedro",
    "Jesús", "Manuel", "Roberto", "Ricardo", "Daniel", "David", "Fernando", "Javier", "Víctor",
    "Andrés", "Alexis", "Erick", "Josué", "Cristian", "Denis", "Darwin", "Walter", "Rony",
    "Selvin", "Milton", "Germán", "Orlando", "Rubén", "Santos", "Ramón", "Julio", "César",
    "Alejandro", "Eduardo", "Fredy", "Gerson", "Henry", "Isaac", "Jonathan", "Lester", "Noé",
    "Omar", "Osman", "Rafael", "Samuel", "Tomás",
)  # fmt: skip

FEMALE_GIVEN = (
    "María", "Ana", "Rosa", "Carmen", "Gloria", "Sandra", "Karla", "Dania", "Wendy", "Yessenia",
    "Lourdes", "Patricia", "Suyapa", "Marta", "Elena", "Sofía", "Daniela", "Gabriela", "Andrea",
    "Paola", "Alejandra", "Nancy", "Reina", "Iris", "Leticia", "Norma", "Silvia", "Mirna",
    "Sonia", "Claudia", "Fátima", "Jessica", "Katherine", "Lesly", "Lidia", "Marisol",
    "Nohemí", "Olga", "Ruth", "Tania", "Xiomara", "Zoila", "Belén", "Cinthia", "Dilcia",
    "Esther", "Flor", "Isabel", "Julia", "Lucía",
)  # fmt: skip

SURNAMES = (
    "López", "Martínez", "Hernández", "Rodríguez", "García", "Pérez", "Flores", "Mejía",
    "Sánchez", "Reyes", "Cruz", "Ramírez", "Castro", "Díaz", "Gómez", "Aguilar", "Romero",
    "Ortiz", "Álvarez", "Torres", "Vásquez", "Mendoza", "Zelaya", "Maradiaga", "Banegas",
    "Padilla", "Rivera", "Rosales", "Fúnez", "Euceda", "Midence", "Ordóñez", "Castillo",
    "Velásquez", "Ramos", "Chávez", "Moreno", "Jiménez", "Navarro", "Molina", "Salgado",
    "Cáceres", "Paz", "Ávila", "Bonilla", "Carranza", "Cerrato", "Duarte", "Escobar",
    "Fonseca", "Galeano", "Guzmán", "Izaguirre", "Lagos", "Lanza", "Lara", "Leiva", "Licona",
    "Matute", "Medina", "Membreño", "Murillo", "Núñez", "Ochoa", "Orellana", "Osorio",
    "Palma", "Pineda", "Ponce", "Quiroz", "Rápalo", "Rivas", "Saavedra", "Sierra", "Soto",
    "Suazo", "Tábora", "Turcios", "Urbina", "Valladares", "Vallecillo", "Varela", "Villeda",
    "Zavala", "Zúniga", "Amaya", "Argueta", "Arita", "Bueso", "Calix", "Canales", "Cárcamo",
    "Cardona", "Colindres", "Corrales", "Discua", "Erazo", "Espinal", "Figueroa", "Gálvez",
)  # fmt: skip

NICKNAMES = (
    "El Flaco", "El Chino", "El Gato", "El Pelón", "El Güero", "El Negro", "El Cholo",
    "El Zurdo", "El Diablo", "El Sapo", "El Chele", "El Toro", "El Perro", "El Loco",
    "El Pollo", "El Mono", "El Tigre", "El Conejo", "El Chato", "El Gordo", "El Tuerto",
    "El Chapo", "El Pirata", "El Calaca", "El Cuervo", "El Brujo", "El Pitufo", "El Kike",
    "El Canelo", "El Chucky", "El Boxer", "El Cachorro", "El Indio", "El Rata", "El Chamaco",
    "El Puma", "El Niño", "El Viejo", "El Tito", "El Chepe",
)  # fmt: skip

MEDIA = (
    "Diario El Vigía (ficticio)", "La Voz de Ciudad Demo (ficticio)",
    "Noticiero Hoy Mismo (ficticio)", "Radio Sereno FM (ficticio)",
)  # fmt: skip

GROUPS = (
    # name, kind, size low, size high
    ("Pandilla Los Zopilotes", "gang", 250, 450),
    ("Clica Zopilotes del Norte", "clique", 40, 90),
    ("Banda La Sombra", "gang", 200, 380),
    ("Los Halcones del Río", "gang", 80, 160),
    ("Junta de Autodefensa Vecinal", "self_defence", 30, 70),
)  # fmt: skip
